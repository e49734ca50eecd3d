// Command dtm is the dtm server v1.19.0 with every dtmdrivers driver linked:
// a drop-in for dtm's own binary, with the same flags (-c conf.yml, -v, -d, -r)
// and the same configuration file. MicroService.Driver picks the driver:
// dtm-driver-gozero, dtm-driver-consul, dtm-driver-polaris or
// dtm-driver-protocol1 (or none, for plain host:port branch URIs), or
// dtm-driver-multi, which routes each branch URI to the driver of its scheme
// and registers dtm in every registry its Target lists (separated by spaces
// or ';').
//
// When the driver can (consul, polaris), it also publishes dtm's HTTP
// endpoint in the registry, as <service>-http (flag -register-http, on by
// default), so that dtmcli apps reach dtm's HTTP API through the registry.
//
// On SIGINT or SIGTERM it withdraws dtm's registration from the registry
// (dtmdriver.Close), waiting at most -close-timeout, keeps serving for -drain
// while clients' resolvers drop it and calls in flight finish, and exits:
// clients stop being sent to it at once instead of when a lease or a health
// check expires, and no call is cut short by the exit.
//
// dtm's admin UI is not included (its built assets are not part of dtm's Go
// module); the HTTP and gRPC APIs are served as by dtm's binary.
//
//	go install github.com/dtmdrivers/drivers/cmd/dtm@latest
//	dtm -c conf.yml
package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/dtm-labs/dtm/dtmsvr/config"
	"github.com/dtm-labs/dtm/dtmsvr/entry"
	"github.com/dtm-labs/logger"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/zeromicro/go-zero/core/proc"

	// Before any driver: lets etcd's and polaris-go's "auth.proto" share the
	// binary (see the package).
	_ "github.com/dtmdrivers/drivers/cmd/dtm/internal/protofiles"

	_ "github.com/dtmdrivers/drivers/driver-consul"
	_ "github.com/dtmdrivers/drivers/driver-gozero"
	_ "github.com/dtmdrivers/drivers/driver-multi"
	_ "github.com/dtmdrivers/drivers/driver-polaris"
	_ "github.com/dtmdrivers/drivers/driver-protocol1"
)

var (
	closeTimeout = flag.Duration("close-timeout", 10*time.Second,
		"on SIGINT or SIGTERM, how long to wait for dtm's registration to be withdrawn")
	drain = flag.Duration("drain", 5*time.Second,
		"on SIGINT or SIGTERM, how long dtm keeps serving after its registration is withdrawn, "+
			"while clients' resolvers drop it (the Polaris resolver takes about 1 s, bounded by the server's 1 s naming cache) and calls in flight finish")
)

// forceQuitMargin is what go-zero's forced exit waits beyond our shutdown.
const forceQuitMargin = 2 * time.Second

func main() {
	flag.Parse() // dtm's flags (entry defines them) and ours
	// go-zero's core/proc (linked by driver-gozero) handles SIGTERM and SIGINT
	// too, and kills the process 5.5 s later: longer than withdrawing dtm's
	// registration and draining may take (withdrawing it from three registries
	// with dtm-driver-multi takes ~0.5 s, plus the 5 s drain). Leave ours the time.
	proc.SetTimeToForceQuit(*closeTimeout + *drain + forceQuitMargin)
	selectDriver()
	version := Version()
	app, conf := entry.Main(&version) // starts dtm and returns at once
	if app == nil {
		return // -v or -h
	}
	logConfig(version, conf)
	publishHTTP(conf, 10*time.Second)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	sig := <-stop
	signal.Stop(stop)
	code := shutdown(sig, *closeTimeout)
	if *drain > 0 {
		slog.Info("dtm: serving calls in flight before exiting", "drain", *drain)
		<-time.After(*drain)
	}
	os.Exit(code)
}

// selectDriver selects the configured driver before dtm serves. dtm v1.19.0
// starts its HTTP and gRPC servers and selects its driver 100 ms later: a
// branch run in that window would go through the default driver and fail
// ("call dtmdriver.Use() before you use custom scheme"), to be retried 10 s
// or more later. dtm's own Use then finds the driver selected. Loading the
// configuration exits on an invalid one, as dtm does a moment later.
func selectDriver() {
	if flagSet("v") || flagSet("h") || flag.NArg() > 0 {
		return
	}
	// dtm logs its whole configuration at info as it loads it, before it
	// sets its log level: passwords and tokens included. Errors only until
	// dtm sets the configured level; logConfig says what was loaded, redacted.
	logger.InitLog("error")
	config.MustLoadConfig(flag.Lookup("c").Value.String())
	if err := dtmdriver.Use(config.Config.MicroService.Driver); err != nil {
		logger.FatalIfError(err)
	}
}

// logConfig logs what dtm's configuration dump would, without credentials.
func logConfig(version string, conf *config.Type) {
	logger.Infof("dtm %s: config %q: MicroService driver %s, target %s, endpoint %s; store %s at %s:%d; "+
		"HTTP port %d, gRPC port %d", version, flag.Lookup("c").Value.String(),
		conf.MicroService.Driver, dtmdriver.Redact(conf.MicroService.Target), conf.MicroService.EndPoint,
		conf.Store.Driver, conf.Store.Host, conf.Store.Port, conf.HTTPPort, conf.GrpcPort)
}

func flagSet(name string) bool {
	f := flag.Lookup(name)
	return f != nil && f.Value.String() == "true"
}

// shutdown withdraws dtm's registration within timeout and returns the exit code.
func shutdown(sig os.Signal, timeout time.Duration) int {
	name := dtmdriver.GetDriver().GetName()
	slog.Info("dtm: stopping: withdrawing its registration", "signal", sig.String(), "driver", name)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- dtmdriver.Close() }()
	select {
	case err := <-done:
		if err != nil {
			slog.Error("dtm: withdrawing its registration failed; the registry drops it when its TTL or health check expires",
				"driver", name, "err", err)
			return 1
		}
		slog.Info("dtm: registration withdrawn", "driver", name, "took", time.Since(start).Round(time.Millisecond))
		return 0
	case <-ctx.Done():
		slog.Error("dtm: withdrawing its registration timed out; the registry drops it when its TTL or health check expires",
			"driver", name, "timeout", timeout)
		return 1
	}
}
