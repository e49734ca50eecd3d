package gozero

import (
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"
	"github.com/dtmdrivers/drivers/testenv/etcdtest"
)

// BenchmarkCall times health calls through the driver (an etcd:// URI resolved
// by go-zero's resolver) against calls to the same server dialled as
// host:port. The server is registered with the driver's RegisterGrpcService, as
// dtm registers itself. Run with -benchtime Nx.
func BenchmarkCall(b *testing.B) {
	e := etcdtest.Start(b)
	target := "etcd://" + e.Endpoint() + "/bench.call"
	benchkit.CallsRegistered(b, func(string) (string, string) { return target, target }, 30*time.Second)
}
