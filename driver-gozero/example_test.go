package gozero_test

import (
	"fmt"
	"log"

	gozero "github.com/dtmdrivers/drivers/driver-gozero"
	"github.com/dtmdrivers/drivers/dtmdriver"
)

// A branch URI in go-zero's legacy etcd form splits into the server that
// grpc.Dial takes and the method.
func Example_parseServerMethod() {
	d, _ := dtmdriver.Lookup(gozero.DriverName)
	server, method, err := d.ParseServerMethod("etcd://10.0.0.1:2379,10.0.0.2:2379/trans.rpc/busi.Busi/TransIn")
	fmt.Println(server, method, err)
	server, method, err = d.ParseServerMethod("etcd:///10.0.0.1:2379/busi.Busi/TransIn?key=trans.rpc")
	fmt.Println(server, method, err)
	// Output:
	// etcd://10.0.0.1:2379,10.0.0.2:2379/trans.rpc /busi.Busi/TransIn <nil>
	// etcd:///10.0.0.1:2379?key=trans.rpc /busi.Busi/TransIn <nil>
}

// The dtm server registers itself in etcd as go-zero services do, and withdraws
// at shutdown. This needs a live etcd.
func Example_registerDtm() {
	if err := dtmdriver.Use(gozero.DriverName); err != nil {
		log.Fatal(err)
	}
	d := dtmdriver.GetDriver()
	if err := d.RegisterGrpcService("etcd://10.0.0.1:2379/dtmservice?user=dtm&password=secret", "10.0.0.5:36790"); err != nil {
		log.Fatal(err)
	}
	defer dtmdriver.Close()
}

// An app that calls go-zero services through dtm, on an etcd with auth on, gives
// the driver its account before the first call (or sets DTM_GOZERO_ETCD_USER and
// DTM_GOZERO_ETCD_PASSWORD).
func ExampleConfigure() {
	if err := gozero.Configure(gozero.Config{User: "app", Password: "secret"}); err != nil {
		log.Fatal(err)
	}
	if err := dtmdriver.Use(gozero.DriverName); err != nil {
		log.Fatal(err)
	}
}
