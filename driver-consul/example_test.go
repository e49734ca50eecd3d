package consul_test

import (
	"context"
	"fmt"
	"log"

	consul "github.com/dtmdrivers/drivers/driver-consul"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

func Example() {
	if err := dtmdriver.Use(consul.DriverName); err != nil {
		fmt.Println(err)
		return
	}
	server, method, err := dtmdriver.GetDriver().ParseServerMethod(
		"consul://127.0.0.1:8500/user.rpc?wait=14s/busi.Busi/TransIn")
	fmt.Println(server, method, err)

	_, _, err = dtmdriver.GetDriver().ParseServerMethod("consul://127.0.0.1:8500/busi?token=x/busi.Busi/TransIn")
	fmt.Println(err != nil)
	// Output:
	// consul://127.0.0.1:8500/user.rpc?wait=14s /busi.Busi/TransIn <nil>
	// true
}

// A dtm server registers itself at start, as dtm does from its
// MicroService settings, and withdraws the registration at shutdown. It needs
// a Consul agent on 127.0.0.1:8500.
func Example_register() {
	if err := dtmdriver.Use(consul.DriverName); err != nil {
		log.Print(err)
		return
	}
	err := dtmdriver.GetDriver().RegisterGrpcService(
		"consul://127.0.0.1:8500/dtmservice?tags=dtm,grpc", "10.0.0.5:36790")
	if err != nil {
		log.Print(err)
		return
	}
	defer dtmdriver.Close()
}

// A client app that does not use the global registration passes a builder
// with its own token. It needs a Consul agent on 127.0.0.1:8500.
func ExampleNewBuilder() {
	conn, err := grpc.NewClient("consul://127.0.0.1:8500/busi?tag=v2",
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithResolvers(consul.NewBuilder(consul.WithToken("token-from-your-secret-store"))))
	if err != nil {
		log.Print(err)
		return
	}
	defer conn.Close()
	_ = conn.Invoke(context.Background(), "/busi.Busi/TransIn", nil, nil)
}

// What dtm would register for a target, read by the driver itself and
// contacting nothing: the dtmdriver command's check prints it. The token
// shows as the name of the setting only.
func Example_plan() {
	d, _ := dtmdriver.Lookup(consul.DriverName)
	regs, _, err := dtmdriver.Plan(d, "consul://127.0.0.1:8500/dtmservice?tags=dtm&token=s3cr3t")
	if err != nil {
		fmt.Println(err)
		return
	}
	r := regs[0]
	fmt.Println(r.Registry, r.Servers, r.Service, r.HTTPService)
	fmt.Println(r.Options["tags"], r.Options["check"], r.Options["deregister-after"])
	fmt.Println(r.HTTPOptions["check"], r.HTTPOptions["deregister-after"]) // dtm's HTTP endpoint, checked over HTTP
	fmt.Println(r.ClientURI)
	fmt.Println(r.Credentials)

	_, _, err = dtmdriver.Plan(d, "consul://127.0.0.1:8500/dtmservice?check=http&token=s3cr3t")
	fmt.Println(err)
	// Output:
	// consul [127.0.0.1:8500] dtmservice dtmservice-http
	// dtm tcp 1m0s
	// http 1m0s
	// consul://127.0.0.1:8500/dtmservice
	// credentials: token
	// bad URI "consul://127.0.0.1:8500/dtmservice?check=http&token=xxxxx": option check wants tcp or grpc; want consul://agent:port/service[?tags=a,b&token=...] (or empty)
}
