package weighted_test

import (
	"context"
	"fmt"
	"math"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver/weighted"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"
)

// backend is a real gRPC server on loopback that counts the calls it serves.
type backend struct {
	addr  string
	calls atomic.Int64
}

func startBackends(t *testing.T, n int) []*backend {
	t.Helper()
	bs := make([]*backend, n)
	for i := range bs {
		b := &backend{}
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := grpc.NewServer(grpc.UnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			b.calls.Add(1)
			return h(ctx, req)
		}))
		healthpb.RegisterHealthServer(srv, health.NewServer())
		go func() { _ = srv.Serve(lis) }()
		t.Cleanup(srv.Stop)
		b.addr = lis.Addr().String()
		bs[i] = b
	}
	return bs
}

// endpoints returns one endpoint per backend with its weight; a negative
// weight means none set.
func endpoints(bs []*backend, weights []int) []resolver.Endpoint {
	eps := make([]resolver.Endpoint, len(bs))
	for i, b := range bs {
		eps[i] = resolver.Endpoint{Addresses: []resolver.Address{{Addr: b.addr}}}
		if weights[i] >= 0 {
			eps[i] = weighted.SetWeight(eps[i], uint32(weights[i]))
		}
	}
	return eps
}

// dial connects to the backends through a manual resolver (gRPC's own test
// resolver) with the policy selected as the default service config, and waits until every backend is
// connected.
func dial(t *testing.T, bs []*backend, weights []int) (*grpc.ClientConn, *manual.Resolver) {
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
	waitFor(t, func() bool {
		calls(t, conn, 1)
		for _, b := range bs {
			if b.calls.Load() == 0 {
				return false
			}
		}
		return true
	})
	return conn, r
}

func calls(t *testing.T, conn *grpc.ClientConn, n int) {
	t.Helper()
	client := healthpb.NewHealthClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for range n {
		if _, err := client.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
			t.Fatalf("call: %v", err)
		}
	}
}

// split makes n calls and returns each backend's share of them.
func split(t *testing.T, conn *grpc.ClientConn, bs []*backend, n int) []float64 {
	t.Helper()
	before := make([]int64, len(bs))
	for i, b := range bs {
		before[i] = b.calls.Load()
	}
	calls(t, conn, n)
	shares := make([]float64, len(bs))
	for i, b := range bs {
		shares[i] = float64(b.calls.Load()-before[i]) / float64(n)
	}
	return shares
}

// within reports whether each share is within tol (a fraction of the
// expected share) of weights' share.
func within(shares []float64, weights []int, tol float64) bool {
	sum := 0
	for _, w := range weights {
		sum += max(w, 1)
	}
	for i, w := range weights {
		want := float64(max(w, 1)) / float64(sum)
		if math.Abs(shares[i]-want) > tol*want {
			return false
		}
	}
	return true
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 20s")
		}
		time.Sleep(10 * time.Millisecond)
	}
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
			bs := startBackends(t, len(tt.weights))
			conn, _ := dial(t, bs, tt.weights)
			shares := split(t, conn, bs, 10_000)
			if !within(shares, tt.want, 0.05) {
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
			bs := startBackends(t, len(weights))
			conn, _ := dial(t, bs, weights)
			for round := range 50 {
				shares := split(t, conn, bs, len(bs))
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
	bs := startBackends(t, 3)
	conn, r := dial(t, bs, []int{1, 1, 1})
	if shares := split(t, conn, bs, 3000); !within(shares, []int{1, 1, 1}, 0.05) {
		t.Fatalf("before the change: shares %.4f, want equal", shares)
	}
	r.UpdateState(resolver.State{Endpoints: endpoints(bs, []int{7, 2, 1})})
	waitFor(t, func() bool { return within(split(t, conn, bs, 1000), []int{7, 2, 1}, 0.05) })
	if shares := split(t, conn, bs, 10_000); !within(shares, []int{7, 2, 1}, 0.05) {
		t.Errorf("after the change: shares %.4f over 10,000 calls; want 7:2:1 within 5%%", shares)
	}
}

// TestBackendDown checks that calls go on to the others, weighted among
// themselves, when one backend stops.
func TestBackendDown(t *testing.T) {
	bs := startBackends(t, 3)
	conn, r := dial(t, bs, []int{1, 3, 6})
	r.UpdateState(resolver.State{Endpoints: endpoints(bs[1:], []int{3, 6})})
	waitFor(t, func() bool {
		s := split(t, conn, bs, 900)
		return s[0] == 0 && within(s[1:], []int{3, 6}, 0.05)
	})
}
