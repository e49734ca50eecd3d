package protocol1_test

import (
	"fmt"

	_ "github.com/dtmdrivers/drivers/driver-protocol1"
	"github.com/dtmdrivers/drivers/dtmdriver"
)

func Example() {
	if err := dtmdriver.Use("dtm-driver-protocol1"); err != nil {
		fmt.Println(err)
		return
	}
	server, method, err := dtmdriver.GetDriver().ParseServerMethod(
		"protocol1://10.0.0.1:8081,10.0.0.2:8081/busi.Busi/TransIn")
	fmt.Println(server, method, err)

	_, _, err = dtmdriver.GetDriver().ParseServerMethod("protocol1://10.0.0.1/busi.Busi/TransIn")
	fmt.Println(err)
	// Output:
	// protocol1://10.0.0.1:8081,10.0.0.2:8081 /busi.Busi/TransIn <nil>
	// bad URI "protocol1://10.0.0.1/busi.Busi/TransIn": address "10.0.0.1" is not host:port; want protocol1://host:port[,host:port]/package.Service/Method or host:port/package.Service/Method
}
