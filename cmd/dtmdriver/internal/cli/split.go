package cli

import (
	"context"
	"flag"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// SplitResult is the output of `dtmdriver split -o json`. URI, Server and
// Error are redacted.
type SplitResult struct {
	URI    string `json:"uri"`
	Driver string `json:"driver,omitempty"`
	Scheme string `json:"scheme"`
	Server string `json:"server,omitempty"`
	Method string `json:"method,omitempty"`
	Error  string `json:"error,omitempty"`
}

func splitCommand() *command {
	return &command{
		name:    "split",
		args:    "URI",
		summary: "split a branch URI as dtm does: the driver, the server dtm dials and the gRPC method",
		details: `The driver is the one that owns the URI's scheme (dtmdriver drivers), or the
default driver for host:port/...; -driver reads the URI as a dtm configured
with that driver would (dtm passes every branch URI to its one driver).
A refused URI prints the driver's reason and the forms it takes, and exits 1.
Credentials are never printed: they are replaced by xxxxx.`,
		examples: []string{
			"dtmdriver split etcd://10.0.0.7:2379/trans.rpc/busi.Busi/TransIn",
			"dtmdriver split 'consul://127.0.0.1:8500/busi?tag=blue/busi.Busi/TransIn' -o json",
			"dtmdriver split -driver dtm-driver-gozero dns:///busi.internal:8081/busi.Busi/TransIn",
		},
		flags: func(fs *flag.FlagSet) {
			fs.String("driver", "", "read the URI as this driver does (default: by the URI's scheme)")
		},
		run: runSplit,
	}
}

func runSplit(_ context.Context, c *call) int {
	if len(c.args) != 1 {
		return c.usageError("want one branch URI, got %d arguments", len(c.args))
	}
	uri := c.args[0]
	res := split(uri, c.fs.Lookup("driver").Value.String())
	if c.json {
		c.emit(res)
	} else if res.Error != "" {
		c.printf("uri:     %s\n", res.URI)
		if res.Driver != "" {
			c.printf("driver:  %s\n", res.Driver)
		}
		c.printf("error:   %s\n", res.Error)
	} else {
		c.printf("uri:     %s\ndriver:  %s\nserver:  %s\nmethod:  %s\n", res.URI, res.Driver, res.Server, res.Method)
	}
	if res.Error != "" {
		return ExitFailure
	}
	return ExitOK
}

// split splits uri with the driver chooseDriver picks.
func split(uri, driverName string) SplitResult {
	res := SplitResult{URI: dtmdriver.Redact(uri), Scheme: dtmdriver.Scheme(uri)}
	if res.Scheme != "" {
		res.Scheme = dtmdriver.Redact(res.Scheme)
	}
	d, err := chooseDriver(uri, driverName)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.Driver = d.GetName()
	server, method, err := d.ParseServerMethod(uri)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.Server, res.Method = dtmdriver.Redact(server), method
	return res
}
