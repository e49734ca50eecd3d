package consul

import (
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
)

func BenchmarkParseServerMethod(b *testing.B) {
	dtmdrivertest.BenchParseServerMethod(b, std,
		dtmdrivertest.BenchURI{Name: "plain", URI: "consul://127.0.0.1:8500/busi/busi.Busi/TransIn"},
		dtmdrivertest.BenchURI{Name: "query-before", URI: "consul://127.0.0.1:8500/user.rpc?wait=14s&tag=rpc/busi.Busi/TransIn"},
		dtmdrivertest.BenchURI{Name: "query-at-end", URI: "consul://127.0.0.1:8500/user.rpc/busi.Busi/TransIn?wait=14s&tag=rpc"})
}
