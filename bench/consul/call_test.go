package consul

import (
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"
	"github.com/dtmdrivers/drivers/testenv/consultest"
)

// BenchmarkCall times health calls through the driver (a consul:// URI resolved
// by the driver's blocking-query resolver) against calls to the same server
// dialled as host:port. The server is registered with the driver's
// RegisterGrpcService, as dtm registers itself. Run with -benchtime Nx.
func BenchmarkCall(b *testing.B) {
	a := consultest.Start(b)
	benchkit.CallsRegistered(b, func(string) (string, string) {
		return "consul://" + a.Addr() + "/bench-call?interval=1s", "consul://" + a.Addr() + "/bench-call"
	}, 30*time.Second)
}
