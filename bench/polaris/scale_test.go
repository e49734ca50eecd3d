package polaris

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"
	polaris "github.com/dtmdrivers/drivers/driver-polaris"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/polaristest"
)

// Sizes of BenchmarkScale: two of each, to show how the costs grow.
var (
	targetCounts   = []int{20, 100}
	instanceCounts = []int{100, 1000}
)

// BenchmarkScale measures a client process (a child copy of this test binary,
// so that the Polaris server's work is not counted) against one Polaris
// server, as benchkit's scale benchmarks do: targets=N/driver dials
// polaris://<service> targets (each resolver asks the server every
// DefaultRefreshInterval), update/instances=N watches one service of N
// instances; each trial registers one more through the server's HTTP API,
// and the update comes with the server's next naming-cache reload (1 s).
//
// Run with -benchtime 1x.
func BenchmarkScale(b *testing.B) {
	srv := polaristest.Start(b)
	addr := dtmdrivertest.StartHealthServer(b, "")
	env := []string{polaris.EnvAddresses + "=" + srv.GRPCAddr(), polaris.EnvDir + "=" + b.TempDir(), "BENCH_ADDR=" + addr}
	register(b, srv, targetCounts[len(targetCounts)-1], func(i int) (string, string) {
		return fmt.Sprintf("scale-svc-%d", i), addr
	})
	for _, n := range targetCounts {
		for _, via := range []string{"direct", "driver"} {
			benchkit.ScaleTargets(b, "TestScaleChild", n, via, env...)
		}
	}
	for _, n := range instanceCounts {
		service := fmt.Sprintf("scale-inst-%d", n)
		register(b, srv, n, func(i int) (string, string) {
			return service, fmt.Sprintf("127.0.0.1:%d", 10000+i)
		})
		benchkit.ScaleUpdate(b, "TestScaleChild", n, 10*time.Second, time.Second, func(i int) error {
			_, err := srv.Register(service, fmt.Sprintf("127.0.0.2:%d", 10000+i))
			return err
		}, append(env, "BENCH_SERVICE="+service, fmt.Sprintf("BENCH_INSTANCES=%d", n))...)
	}
}

// register registers n instances through the server's HTTP API, eight at a
// time; they stay until the server stops with the benchmark.
func register(b *testing.B, srv *polaristest.Server, n int, instance func(i int) (service, addr string)) {
	b.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if _, err := srv.Register(instance(i)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// TestScaleChild is the client process of BenchmarkScale; it is skipped unless
// the benchmark started it. The driver finds the server through
// polaris.EnvAddresses.
func TestScaleChild(t *testing.T) {
	switch mode := os.Getenv(benchkit.ChildEnv); mode {
	case "":
		t.Skip("run by BenchmarkScale")
	case "targets":
		benchkit.ChildTargets(t, os.Getenv("BENCH_ADDR"), func(i int) string { return fmt.Sprintf("polaris://scale-svc-%d", i) })
	case "update":
		var n int
		if _, err := fmt.Sscan(os.Getenv("BENCH_INSTANCES"), &n); err != nil {
			t.Fatal(err)
		}
		benchkit.ChildUpdate(t, "polaris://"+os.Getenv("BENCH_SERVICE"), n)
	default:
		t.Fatalf("unknown mode %q", mode)
	}
}
