package dtmdriver_test

import (
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
