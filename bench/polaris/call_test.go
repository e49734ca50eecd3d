package polaris

import (
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"
)

// BenchmarkCall times health calls through the driver (a polaris:// URI
// resolved through polaris-go) against calls to the same server dialled as
// host:port. The server is registered with the driver's RegisterGrpcService,
// as dtm registers itself. Run with -benchtime Nx.
func BenchmarkCall(b *testing.B) {
	srv := start(b)
	benchkit.CallsRegistered(b, func(string) (string, string) {
		return "polaris://" + srv.GRPCAddr() + "/bench-call", "polaris://bench-call"
	}, time.Minute)
}
