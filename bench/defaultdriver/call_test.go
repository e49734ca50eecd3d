package defaultdriver

import (
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"
	"github.com/dtmdrivers/drivers/dtmdriver"
)

// BenchmarkCall times health calls through the default driver
// (host:port/pkg.Svc/Method) against the same server dialled directly. Both
// dial the same string, so the two differ only by run-to-run noise: the
// table's control row. Run with -benchtime Nx.
func BenchmarkCall(b *testing.B) {
	if err := dtmdriver.Use(dtmdriver.DefaultName); err != nil {
		b.Fatal(err)
	}
	benchkit.CallsRegistered(b, func(addr string) (string, string) { return "", addr }, 10*time.Second)
}
