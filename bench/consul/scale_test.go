package consul

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/consultest"
)

// Sizes of BenchmarkScale: two of each, to show how the costs grow. The
// targets stay under the agent's limit of 200 HTTP connections per client IP
// (limits.http_max_conns_per_client): each resolver holds one blocking query.
var (
	targetCounts   = []int{20, 150}
	instanceCounts = []int{100, 1000}
)

// BenchmarkScale measures a client process (a child copy of this test binary,
// so that the Consul agent's work is not counted) against one Consul agent, as
// benchkit's scale benchmarks do: targets=N/driver dials consul://agent/service
// targets (a blocking query each), update/instances=N watches one service of
// N instances (registered as zero-contrib does, with a TTL check kept
// passing); each trial registers one more.
//
// Run with -benchtime 1x.
func BenchmarkScale(b *testing.B) {
	a := consultest.Start(b)
	addr := dtmdrivertest.StartHealthServer(b, "")
	env := []string{"BENCH_CONSUL=" + a.Addr(), "BENCH_ADDR=" + addr}
	register(b, a, targetCounts[len(targetCounts)-1], func(i int) (string, string) {
		return fmt.Sprintf("scale-svc-%d", i), addr
	})
	for _, n := range targetCounts {
		for _, via := range []string{"direct", "driver"} {
			benchkit.ScaleTargets(b, "TestScaleChild", n, via, env...)
		}
	}
	for _, n := range instanceCounts {
		service := fmt.Sprintf("scale-inst-%d", n)
		register(b, a, n, func(i int) (string, string) {
			return service, fmt.Sprintf("127.0.0.1:%d", 10000+i)
		})
		benchkit.ScaleUpdate(b, "TestScaleChild", n, 10*time.Second, 0, func(i int) error {
			withdraw, err := a.Register(service, fmt.Sprintf("127.0.0.2:%d", 10000+i))
			if err == nil {
				b.Cleanup(withdraw)
			}
			return err
		}, append(env, "BENCH_SERVICE="+service, "BENCH_INSTANCES="+strconv.Itoa(n))...)
	}
}

// register registers n instances on the agent, eight at a time, withdrawn at
// the end of the benchmark.
func register(b *testing.B, a *consultest.Agent, n int, instance func(i int) (service, addr string)) {
	b.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var withdraws []func()
	errs := make(chan error, n)
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			withdraw, err := a.Register(instance(i))
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			withdraws = append(withdraws, withdraw)
			mu.Unlock()
		})
	}
	wg.Wait()
	b.Cleanup(func() {
		for _, w := range withdraws {
			w()
		}
	})
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// TestScaleChild is the client process of BenchmarkScale; it is skipped unless
// the benchmark started it.
func TestScaleChild(t *testing.T) {
	agent := os.Getenv("BENCH_CONSUL")
	switch mode := os.Getenv(benchkit.ChildEnv); mode {
	case "":
		t.Skip("run by BenchmarkScale")
	case "targets":
		benchkit.ChildTargets(t, os.Getenv("BENCH_ADDR"), func(i int) string { return fmt.Sprintf("consul://%s/scale-svc-%d", agent, i) })
	case "update":
		n, err := strconv.Atoi(os.Getenv("BENCH_INSTANCES"))
		if err != nil {
			t.Fatal(err)
		}
		benchkit.ChildUpdate(t, "consul://"+agent+"/"+os.Getenv("BENCH_SERVICE"), n)
	default:
		t.Fatalf("unknown mode %q", mode)
	}
}
