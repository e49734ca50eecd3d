package protocol1

import (
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
)

func BenchmarkParseServerMethod(b *testing.B) {
	dtmdrivertest.BenchParseServerMethod(b, driver{},
		dtmdrivertest.BenchURI{Name: "one", URI: "protocol1://127.0.0.1:8081/busi.Busi/TransIn"},
		dtmdrivertest.BenchURI{Name: "three", URI: "protocol1://10.0.0.1:8081,10.0.0.2:8081,10.0.0.3:8081/busi.Busi/TransIn"})
}
