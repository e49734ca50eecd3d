package polaris_test

import (
	"context"
	"fmt"
	"log"
	"time"

	polaris "github.com/dtmdrivers/drivers/driver-polaris"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// The branch URIs a dtm client writes, and what the driver makes of them.
func Example() {
	if err := dtmdriver.Use(polaris.DriverName); err != nil {
		fmt.Println(err)
		return
	}
	d := dtmdriver.GetDriver()
	for _, uri := range []string{
		"polaris://busi/busi.Busi/TransIn?namespace=Test",
		"polaris://busi?namespace=Test&metadata.env=blue/busi.Busi/TransIn",
		"polaris://busi?options=eyJOYW1lc3BhY2UiOiJUZXN0In0=/busi.Busi/TransIn",
	} {
		server, method, err := d.ParseServerMethod(uri)
		fmt.Println(server, method, err)
	}
	_, _, err := d.ParseServerMethod("polaris://busi?token=t/busi.Busi/TransIn")
	fmt.Println(err != nil)
	// Output:
	// polaris://busi?namespace=Test /busi.Busi/TransIn <nil>
	// polaris://busi?namespace=Test&metadata.env=blue /busi.Busi/TransIn <nil>
	// polaris://busi?options=eyJOYW1lc3BhY2UiOiJUZXN0In0= /busi.Busi/TransIn <nil>
	// true
}

// A dtm server registers itself; its configuration says
//
//	MicroService:
//	  Driver: dtm-driver-polaris
//	  Target: polaris://127.0.0.1:8091/dtmservice?namespace=default&ttl=5
//	  EndPoint: 10.0.0.5:36790
//
// which amounts to the calls below. It needs a Polaris server.
func Example_register() {
	if err := dtmdriver.Use(polaris.DriverName); err != nil {
		log.Fatal(err)
	}
	err := dtmdriver.GetDriver().RegisterGrpcService(
		"polaris://127.0.0.1:8091/dtmservice?namespace=default&ttl=5", "10.0.0.5:36790")
	if err != nil {
		log.Fatal(err)
	}
	// At shutdown: stop the heartbeat and deregister.
	defer dtmdriver.Close()
}

// A client app names its Polaris server explicitly (or sets
// DTM_POLARIS_ADDRESSES), then dials services by name. It needs a Polaris server.
func Example_client() {
	if err := polaris.Configure(polaris.Config{Addresses: []string{"127.0.0.1:8091"}}); err != nil {
		log.Fatal(err)
	}
	conn, err := grpc.NewClient("polaris://dtmservice?namespace=default",
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithResolvers(polaris.NewBuilder()))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	resp, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	fmt.Println(resp.GetStatus(), err)
}

// A client that resolves hundreds of services asks the server less often: each
// resolver sends one small Discover request per RefreshInterval, and a change
// reaches gRPC within the server's 1 s cache reload plus that interval.
func ExampleConfigure_refreshInterval() {
	if err := polaris.Configure(polaris.Config{
		Addresses:       []string{"127.0.0.1:8091"},
		RefreshInterval: 500 * time.Millisecond, // DefaultRefreshInterval is 100 ms
	}); err != nil {
		log.Fatal(err)
	}
}

// What dtm would register for a target, read by the driver itself and
// contacting nothing: the dtmdriver command's check prints it. Metadata
// values are redacted like URIs; the token shows as the setting's name.
func Example_plan() {
	d, _ := dtmdriver.Lookup(polaris.DriverName)
	regs, _, err := dtmdriver.Plan(d, "polaris://127.0.0.1:8091/dtmservice?namespace=prod&token=s3cr3t&ttl=10&metadata.zone=a")
	if err != nil {
		fmt.Println(err)
		return
	}
	r := regs[0]
	fmt.Println(r.Registry, r.Servers, r.Namespace, r.Service, r.HTTPService)
	fmt.Println(r.Options["ttl"], r.Options["metadata.zone"])
	fmt.Println(r.ClientURI)
	fmt.Println(r.Credentials)
	// Output:
	// polaris [127.0.0.1:8091] prod dtmservice dtmservice-http
	// 10s a
	// polaris://dtmservice?namespace=prod
	// credentials: token
}
