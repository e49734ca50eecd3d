package weighted_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/dtmdriver/weighted"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"
)

// endpoints returns one endpoint per backend with its weight; a negative
// weight means none set.
func endpoints(bs []*dtmdrivertest.CountingServer, weights []int) []resolver.Endpoint {
	eps := make([]resolver.Endpoint, len(bs))
	for i, b := range bs {
		eps[i] = resolver.Endpoint{Addresses: []resolver.Address{{Addr: b.Addr}}}
		if weights[i] >= 0 {
			eps[i] = weighted.SetWeight(eps[i], uint32(weights[i]))
		}
	}
	return eps
}

// dial connects to the backends through a manual resolver (gRPC's own test
// resolver) with the policy selected as the default service config, and waits until every backend is
// connected.
func dial(t *testing.T, bs []*dtmdrivertest.CountingServer, weights []int) (*grpc.ClientConn, *manual.Resolver) {
	t.Helper()
	r := manual.NewBuilderWithScheme("weighted")
	r.InitialState(resolver.State{Endpoints: endpoints(bs, weights)})
	conn, err := grpc.NewClient(r.Scheme()+":///test", grpc.WithResolvers(r),
		grpc.WithDefaultServiceConfig(weighted.ServiceConfig),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	// Every backend answers before counting starts: calls until each got one.
	dtmdrivertest.WaitFor(t, 20*time.Second, "every backend answers", func() bool {
		dtmdrivertest.CallShares(t, conn, bs, 1)
		for _, b := range bs {
			if b.Calls.Load() == 0 {
				return false
			}
		}
		return true
	})
	return conn, r
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name    string
		weights []int // -1: no weight set
		want    []int // the expected proportions
	}{
		{"1:2:7", []int{1, 2, 7}, []int{1, 2, 7}},
		{"large weights 100:200:700", []int{100, 200, 700}, []int{1, 2, 7}},
		{"Consul's defaults, one warning", []int{1, 1, 3}, []int{1, 1, 3}},
		{"zero counts as one", []int{0, 1, 2}, []int{1, 1, 2}},
		{"missing counts as one", []int{-1, 1, 2}, []int{1, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := dtmdrivertest.StartCountingServers(t, len(tt.weights))
			conn, _ := dial(t, bs, tt.weights)
			shares := dtmdrivertest.CallShares(t, conn, bs, 10_000)
			if !dtmdrivertest.SharesMatch(shares, tt.want, 0.05) {
				t.Errorf("over 10,000 calls, shares %.4f; want the proportions %v within 5%%", shares, tt.want)
			}
		})
	}
}

// TestEqualWeightsRoundRobin checks that equal weights give strict round
// robin: every run of n calls visits each of n backends once.
func TestEqualWeightsRoundRobin(t *testing.T) {
	for _, weights := range [][]int{{5, 5, 5, 5}, {-1, -1, -1, -1}} {
		t.Run(fmt.Sprint(weights), func(t *testing.T) {
			bs := dtmdrivertest.StartCountingServers(t, len(weights))
			conn, _ := dial(t, bs, weights)
			for round := range 50 {
				shares := dtmdrivertest.CallShares(t, conn, bs, len(bs))
				for i, s := range shares {
					if s != 1/float64(len(bs)) {
						t.Fatalf("round %d: backend %d got share %v of %d calls; want exactly one call", round, i, s, len(bs))
					}
				}
			}
		})
	}
}

// TestWeightChange checks that new weights from the resolver take effect
// like any other update.
func TestWeightChange(t *testing.T) {
	bs := dtmdrivertest.StartCountingServers(t, 3)
	conn, r := dial(t, bs, []int{1, 1, 1})
	if shares := dtmdrivertest.CallShares(t, conn, bs, 3000); !dtmdrivertest.SharesMatch(shares, []int{1, 1, 1}, 0.05) {
		t.Fatalf("before the change: shares %.4f, want equal", shares)
	}
	r.UpdateState(resolver.State{Endpoints: endpoints(bs, []int{7, 2, 1})})
	dtmdrivertest.WaitFor(t, 20*time.Second, "the split follows 7:2:1", func() bool {
		return dtmdrivertest.SharesMatch(dtmdrivertest.CallShares(t, conn, bs, 1000), []int{7, 2, 1}, 0.05)
	})
	if shares := dtmdrivertest.CallShares(t, conn, bs, 10_000); !dtmdrivertest.SharesMatch(shares, []int{7, 2, 1}, 0.05) {
		t.Errorf("after the change: shares %.4f over 10,000 calls; want 7:2:1 within 5%%", shares)
	}
}

// TestBackendDown checks that calls go on to the others, weighted among
// themselves, when one backend stops.
func TestBackendDown(t *testing.T) {
	bs := dtmdrivertest.StartCountingServers(t, 3)
	conn, r := dial(t, bs, []int{1, 3, 6})
	r.UpdateState(resolver.State{Endpoints: endpoints(bs[1:], []int{3, 6})})
	dtmdrivertest.WaitFor(t, 20*time.Second, "calls split 3:6 over the two left", func() bool {
		s := dtmdrivertest.CallShares(t, conn, bs, 900)
		return s[0] == 0 && dtmdrivertest.SharesMatch(s[1:], []int{3, 6}, 0.05)
	})
}
