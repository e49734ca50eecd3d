package polaris

import (
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
)

// BenchmarkCall times health calls through the driver (a polaris:// URI
// resolved through polaris-go) against calls to the same server dialled as
// host:port. The server is registered with the driver's RegisterGrpcService,
// as dtm registers itself. Run with -benchtime Nx.
func BenchmarkCall(b *testing.B) {
	srv := start(b)
	addr := dtmdrivertest.StartHealthServer(b, "bench-call")
	if err := dtmdriver.GetDriver().RegisterGrpcService("polaris://"+srv.GRPCAddr()+"/bench-call", addr); err != nil {
		b.Fatal(err)
	}
	benchkit.Calls(b, addr, "polaris://bench-call"+benchkit.HealthMethod, "bench-call", time.Minute)
}
