package polaris

import (
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
)

// TestWeights registers three instances on a real Polaris server as
// grpc-go-polaris does (weight 100 each): calls rotate strictly. An operator
// then sets the weights to 100, 200 and 700 in the console: once the change
// reaches the driver, 10,000 calls split 1:2:7 within 5%. Weight 0 counts
// as 1 (isolate an instance to take it out).
func TestWeights(t *testing.T) {
	srv := startPolaris(t)
	provider := providerSDK(t, srv)
	servers := dtmdrivertest.StartCountingServers(t, 3)
	for _, s := range servers {
		registerLikeGrpcGoPolaris(t, provider, DefaultNamespace, "weighted", s.Addr, nil)
	}
	d := newTestDriver(t, srv)
	conn := dialDriver(t, d, "polaris://weighted")
	dtmdrivertest.WaitFor(t, 30*time.Second, "calls reach all three instances", func() bool {
		dtmdrivertest.CallShares(t, conn, servers, 10)
		for _, s := range servers {
			if s.Calls.Load() == 0 {
				return false
			}
		}
		return true
	})
	// Equal weights: strict rotation.
	for round := range 50 {
		for i, share := range dtmdrivertest.CallShares(t, conn, servers, 3) {
			if share*3 != 1 {
				t.Fatalf("equal weights, round %d: instance %d got %v of 3 calls, want one", round, i, share*3)
			}
		}
	}

	setWeights := func(weights ...int) {
		for i, s := range servers {
			host, port := dtmdrivertest.HostPort(t, s.Addr)
			srv.SetWeight(t, DefaultNamespace, "weighted", host, port, weights[i])
		}
	}
	setWeights(100, 200, 700)
	dtmdrivertest.WaitFor(t, 30*time.Second, "the split follows the weights 1:2:7", func() bool {
		return dtmdrivertest.SharesMatch(dtmdrivertest.CallShares(t, conn, servers, 1000), []int{1, 2, 7}, 0.05)
	})
	if shares := dtmdrivertest.CallShares(t, conn, servers, 10_000); !dtmdrivertest.SharesMatch(shares, []int{1, 2, 7}, 0.05) {
		t.Fatalf("weights 100:200:700: shares %.4f over 10,000 calls, want 1:2:7 within 5%%", shares)
	}

	setWeights(0, 1, 2) // 0 counts as 1
	dtmdrivertest.WaitFor(t, 30*time.Second, "the split follows the weights 0(=1):1:2", func() bool {
		return dtmdrivertest.SharesMatch(dtmdrivertest.CallShares(t, conn, servers, 1000), []int{1, 1, 2}, 0.05)
	})
}
