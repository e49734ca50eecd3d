package dtmdrivertest

import (
	"context"
	"math"
	"testing"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// StartCountingServers starts n [CountingServer]s, the backends of the
// weight tests; they stop with the test.
func StartCountingServers(t testing.TB, n int) []*CountingServer {
	t.Helper()
	servers := make([]*CountingServer, n)
	for i := range servers {
		servers[i] = StartCountingServer(t, "")
	}
	return servers
}

// CallShares makes n gRPC health calls on conn, one after the other, and
// returns each server's share of them.
func CallShares(t testing.TB, conn grpc.ClientConnInterface, servers []*CountingServer, n int) []float64 {
	t.Helper()
	before := make([]int64, len(servers))
	for i, s := range servers {
		before[i] = s.Calls.Load()
	}
	client := healthpb.NewHealthClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for range n {
		if _, err := client.Check(ctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true)); err != nil {
			t.Fatalf("call: %v", err)
		}
	}
	shares := make([]float64, len(servers))
	for i, s := range servers {
		shares[i] = float64(s.Calls.Load()-before[i]) / float64(n)
	}
	return shares
}

// SharesMatch reports whether each share is within tol, a fraction of the
// expected share (0.05 for 5%), of the share its weight gives; a weight below
// 1 counts as 1.
func SharesMatch(shares []float64, weights []int, tol float64) bool {
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
