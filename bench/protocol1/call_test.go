package protocol1

import (
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"
	protocol1 "github.com/dtmdrivers/drivers/driver-protocol1"
	"github.com/dtmdrivers/drivers/dtmdriver"
)

// BenchmarkCall times health calls through the driver (a protocol1:// URI
// naming the server, resolved by the driver's static resolver) against the
// same server dialled as host:port. protocol1 has no registry:
// RegisterGrpcService only checks the target. Run with -benchtime Nx.
func BenchmarkCall(b *testing.B) {
	if err := dtmdriver.Use(protocol1.DriverName); err != nil {
		b.Fatal(err)
	}
	benchkit.CallsRegistered(b, func(addr string) (string, string) {
		return "protocol1://" + addr, "protocol1://" + addr
	}, 10*time.Second)
}
