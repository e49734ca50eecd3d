package gozero

import (
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/etcdtest"
)

// BenchmarkCall times health calls through the driver (an etcd:// URI resolved
// by go-zero's resolver) against calls to the same server dialled as
// host:port. The server is registered with the driver's RegisterGrpcService, as
// dtm registers itself. Run with -benchtime Nx.
func BenchmarkCall(b *testing.B) {
	e := etcdtest.Start(b)
	addr := dtmdrivertest.StartHealthServer(b, "bench-call")
	target := "etcd://" + e.Endpoint() + "/bench.call"
	if err := dtmdriver.GetDriver().RegisterGrpcService(target, addr); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = dtmdriver.Close() })
	benchkit.Calls(b, addr, target+benchkit.HealthMethod, "bench-call", 30*time.Second)
}
