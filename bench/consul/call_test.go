package consul

import (
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/consultest"
)

// BenchmarkCall times health calls through the driver (a consul:// URI resolved
// by the driver's blocking-query resolver) against calls to the same server
// dialled as host:port. The server is registered with the driver's
// RegisterGrpcService, as dtm registers itself. Run with -benchtime Nx.
func BenchmarkCall(b *testing.B) {
	a := consultest.Start(b)
	addr := dtmdrivertest.StartHealthServer(b, "bench-call")
	if err := dtmdriver.GetDriver().RegisterGrpcService("consul://"+a.Addr()+"/bench-call?interval=1s", addr); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = dtmdriver.Close() })
	benchkit.Calls(b, addr, "consul://"+a.Addr()+"/bench-call"+benchkit.HealthMethod, "bench-call", 30*time.Second)
}
