package dtmdriver_test

import (
	"context"
	"fmt"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

func ExampleSplitMethod() {
	for _, uri := range []string{
		"etcd://h:2379/trans.rpc/pkg.Svc/TransIn",
		"consul://h:8500/user.rpc?wait=14s/pkg.Svc/TransIn",
		"etcd:///h:2379/pkg.Svc/TransIn?key=trans.rpc",
	} {
		server, method, err := dtmdriver.SplitMethod(uri)
		fmt.Println(server, method, err)
	}
	// Output:
	// etcd://h:2379/trans.rpc /pkg.Svc/TransIn <nil>
	// consul://h:8500/user.rpc?wait=14s /pkg.Svc/TransIn <nil>
	// etcd:///h:2379?key=trans.rpc /pkg.Svc/TransIn <nil>
}

func ExampleURIForm_Reject() {
	const form dtmdriver.URIForm = "etcd://host:port[,host:port]/key/package.Service/Method"
	fmt.Println(form.Reject("etcd://root:pw@h:2379?password=pw", "no gRPC method"))
	// Output:
	// bad URI "etcd://root:xxxxx@h:2379?password=xxxxx": no gRPC method; want etcd://host:port[,host:port]/key/package.Service/Method
}

func ExampleGetDriver() {
	// Before Use, GetDriver returns the default driver, which takes host:port URIs.
	server, method, err := dtmdriver.GetDriver().ParseServerMethod("localhost:36790/dtmgimp.Dtm/Submit")
	fmt.Println(server, method, err)
	// Output: localhost:36790 /dtmgimp.Dtm/Submit <nil>
}

// A driver keeps one ParseCache in front of its parse, in a package-level
// variable, and answers ParseServerMethod from it.
func ExampleParseCache() {
	parses := 0
	cache := dtmdriver.NewParseCache(func(uri string) (string, string, error) {
		parses++
		return dtmdriver.SplitMethod(uri)
	})
	for range 5 {
		server, method, err := cache.ParseServerMethod("etcd://h:2379/trans.rpc/pkg.Svc/TransIn")
		if err != nil {
			fmt.Println(err)
			return
		}
		_, _ = server, method
	}
	// Parsed the first time, parsed and stored the second, recalled since.
	fmt.Println("parses:", parses)
	// Output: parses: 2
}

// fixedRegistry stands for a driver's registry in the example below: it
// lists two instances of "busi-http" once, as a static list would.
type fixedRegistry struct{}

func (fixedRegistry) HTTPWatch(key string) (dtmdriver.HTTPWatchFunc, error) {
	if key != "busi-http" {
		return nil, fmt.Errorf("unknown service %q", key)
	}
	return func(ctx context.Context, update func([]dtmdriver.HTTPInstance, error)) {
		update([]dtmdriver.HTTPInstance{{Scheme: "http", Addr: "10.0.0.1:8081"}, {Scheme: "https", Addr: "10.0.0.2:8443"}}, nil)
		<-ctx.Done()
	}, nil
}

// A driver's ResolveHTTP picks an instance of the service its URL names
// through HTTPWatches, which keeps one watch per service and takes the
// instances in turn.
func ExampleHTTPWatches() {
	var ws dtmdriver.HTTPWatches
	defer ws.Close()
	for range 3 {
		inst, err := ws.Pick(context.Background(), "busi-http", fixedRegistry{})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(inst.Scheme + "://" + inst.Addr + "/api/busi/TransIn")
	}
	// Output:
	// http://10.0.0.1:8081/api/busi/TransIn
	// https://10.0.0.2:8443/api/busi/TransIn
	// http://10.0.0.1:8081/api/busi/TransIn
}

// Plain URLs never reach a driver: the middleware checks this first.
func ExampleIsPlainHTTP() {
	for _, u := range []string{"http://10.0.0.1:8081/api", "consul://127.0.0.1:8500/busi-http/api"} {
		fmt.Println(u, dtmdriver.IsPlainHTTP(u))
	}
	// Output:
	// http://10.0.0.1:8081/api true
	// consul://127.0.0.1:8500/busi-http/api false
}
