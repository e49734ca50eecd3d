package multi_test

import (
	"fmt"

	_ "github.com/dtmdrivers/drivers/driver-consul"
	multi "github.com/dtmdrivers/drivers/driver-multi"
	_ "github.com/dtmdrivers/drivers/driver-protocol1"
	"github.com/dtmdrivers/drivers/dtmdriver"
)

// The composite routes each branch URI to the driver linked for its scheme.
func Example() {
	if err := dtmdriver.Use(multi.DriverName); err != nil {
		fmt.Println(err)
		return
	}
	for _, uri := range []string{
		"consul://10.0.0.1:8500/busi/busi.Busi/TransIn",
		"protocol1://10.0.0.1:8081,10.0.0.2:8081/busi.Busi/TransIn",
		"10.0.0.1:8081/busi.Busi/TransIn",
	} {
		server, method, err := dtmdriver.GetDriver().ParseServerMethod(uri)
		fmt.Println(server, method, err)
	}
	_, _, err := dtmdriver.GetDriver().ParseServerMethod("etcd://10.0.0.1:2379/trans.rpc/busi.Busi/TransIn")
	fmt.Println(err)
	// Output:
	// consul://10.0.0.1:8500/busi /busi.Busi/TransIn <nil>
	// protocol1://10.0.0.1:8081,10.0.0.2:8081 /busi.Busi/TransIn <nil>
	// 10.0.0.1:8081 /busi.Busi/TransIn <nil>
	// bad URI "etcd://10.0.0.1:2379/trans.rpc/busi.Busi/TransIn": no linked driver owns scheme "etcd"; want a URI of a linked driver's scheme (dtm-driver-consul: consul; dtm-driver-protocol1: protocol1) or host:port/package.Service/Method
}

// dtm registers itself in every registry its target lists; this one needs a
// Consul agent on 127.0.0.1:8500, so it has no output to check.
func Example_target() {
	if err := dtmdriver.Use(multi.DriverName); err != nil {
		fmt.Println(err)
		return
	}
	defer dtmdriver.Close() // withdraws dtm from every registry
	err := dtmdriver.GetDriver().RegisterGrpcService(
		"consul://127.0.0.1:8500/dtmservice; protocol1://10.0.0.5:36790", "10.0.0.5:36790")
	fmt.Println(err)
}
