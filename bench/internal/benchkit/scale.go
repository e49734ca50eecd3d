package benchkit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/resolver"
)

// The scale benchmarks (BenchmarkScale in bench/gozero, bench/consul,
// bench/polaris) share their shape: a parent that runs the registry and a
// child copy of the test binary that resolves, so that what the child measures
// of itself is the client's cost alone.
//
//	targets=N/driver   N services of one instance each, dialled through the
//	                   driver with one call each: the child's live heap,
//	                   goroutines and CPU to get there, and its CPU per second
//	                   while idle with N resolvers
//	targets=N/direct   the same N connections dialled as host:port
//	update/instances=N one service of N instances watched by the driver's
//	                   resolver; per added instance: time to the update, CPU
//	                   and bytes allocated in the child
//
// The child's side runs in a test named by the package (TestScaleChild), which
// calls [ChildTargets] or [ChildUpdate] by [ChildEnv]'s mode.
const (
	// UpdateTrials is the number of instances an update run adds.
	UpdateTrials = 30
	// IdleWindow is how long a targets child measures its idle CPU.
	IdleWindow = 3 * time.Second
)

// Once runs measure the first time the benchmark function is called and only
// reports its figures when the testing package calls it again.
func Once(measure func(b *testing.B) func(b *testing.B)) func(b *testing.B) {
	var report func(b *testing.B)
	return func(b *testing.B) {
		if report == nil {
			report = measure(b)
		}
		report(b)
	}
}

// ScaleTargets is the sub-benchmark targets=n/via: it runs the child test in
// mode "targets" with BENCH_N, BENCH_VIA and env, and reports what it measured.
func ScaleTargets(b *testing.B, test string, n int, via string, env ...string) {
	b.Run(fmt.Sprintf("targets=%d/%s", n, via), Once(func(b *testing.B) func(*testing.B) {
		env = append(env, "BENCH_N="+strconv.Itoa(n), "BENCH_VIA="+via)
		c := StartChild(b, test, "targets", env...)
		m := c.Expect(b, "targets", 5*time.Minute)
		return func(b *testing.B) {
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(m["heap_kb"], "heap-KB")
			b.ReportMetric(m["heap_kb"]/float64(n), "heap-KB/target")
			b.ReportMetric(m["goroutines"], "goroutines")
			b.ReportMetric(m["setup_cpu_ms"], "setup-cpu-ms")
			b.ReportMetric(m["idle_cpu_ms_per_s"], "idle-cpu-ms/s")
		}
	}))
}

// ChildTargets is the child's side of [ScaleTargets]: it dials BENCH_N
// targets, uri(i) through the registered driver (BENCH_VIA=driver, the uri
// parsed by ParseServerMethod, as dtm does) or addr as host:port, makes one
// health call on each, and says what that cost.
func ChildTargets(t *testing.T, addr string, uri func(i int) string) {
	n, err := strconv.Atoi(os.Getenv("BENCH_N"))
	if err != nil {
		t.Fatal(err)
	}
	via := os.Getenv("BENCH_VIA")
	before := ReadUsage(true)
	var conns []*grpc.ClientConn
	for i := range n {
		server, method := addr, HealthMethod
		if via == "driver" {
			server, method, err = dtmdriver.GetDriver().ParseServerMethod(uri(i) + HealthMethod)
			if err != nil {
				t.Fatal(err)
			}
		}
		//lint:ignore SA1019 dtm v1.19.0 dials branch servers with grpc.Dial.
		conn, err := grpc.Dial(server, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		err = conn.Invoke(ctx, method, &healthpb.HealthCheckRequest{}, &healthpb.HealthCheckResponse{}, grpc.WaitForReady(true))
		cancel()
		if err != nil {
			t.Fatalf("target %d (%s): %v", i, server, err)
		}
	}
	ready := ReadUsage(true)
	// A fixed measurement window, not a wait for a condition.
	time.Sleep(IdleWindow)
	idle := ReadUsage(false)
	Say("targets heap_kb=%.1f goroutines=%d setup_cpu_ms=%.1f idle_cpu_ms_per_s=%.3f",
		float64(int64(ready.HeapInuse)-int64(before.HeapInuse))/1024,
		ready.Goroutines-before.Goroutines,
		float64(ready.CPU-before.CPU)/1e6,
		float64(idle.CPU-ready.CPU)/1e6/IdleWindow.Seconds())
	for _, c := range conns {
		_ = c.Close()
	}
}

// ScaleUpdate is the sub-benchmark update/instances=n: it runs the child test
// in mode "update" with env, then UpdateTrials times has the child arm itself
// and calls add(i), which adds one instance to the watched service, and
// reports the child's figures. timeout bounds one update. A registry that
// publishes changes on a period of its own gets a phase: each trial starts
// after a random part of it, so that trials do not fall in step with it.
func ScaleUpdate(b *testing.B, test string, n int, timeout, phase time.Duration, add func(i int) error, env ...string) {
	b.Run(fmt.Sprintf("update/instances=%d", n), Once(func(b *testing.B) func(*testing.B) {
		env = append(env, "BENCH_TIMEOUT="+timeout.String())
		c := StartChild(b, test, "update", env...)
		c.Expect(b, "ready", 2*time.Minute)
		var lat, cpu, alloc []time.Duration
		for i := range UpdateTrials {
			if phase > 0 {
				// A deliberate offset, not a wait for a condition.
				time.Sleep(rand.N(phase))
			}
			c.Send(b, "arm")
			c.Expect(b, "armed", 10*time.Second)
			if err := add(i); err != nil {
				b.Fatal(err)
			}
			m := c.Expect(b, "update", timeout+5*time.Second)
			lat = append(lat, time.Duration(m["latency_us"])*time.Microsecond)
			cpu = append(cpu, time.Duration(m["cpu_us"])*time.Microsecond)
			alloc = append(alloc, time.Duration(m["alloc_b"])) // bytes, sorted as durations
		}
		c.Send(b, "quit")
		return func(b *testing.B) {
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(float64(Percentile(lat, 50))/1e6, "p50-ms")
			b.ReportMetric(float64(Percentile(lat, 99))/1e6, "p99-ms")
			b.ReportMetric(float64(Percentile(cpu, 50))/1e3, "cpu-us/update")
			b.ReportMetric(float64(Percentile(alloc, 50))/1024, "alloc-KB/update")
		}
	}))
}

// ChildUpdate is the child's side of [ScaleUpdate]: it builds a resolver for
// target with the scheme's registered builder, waits until it reports at least
// atLeast addresses, then on each "arm" times the next update.
func ChildUpdate(t *testing.T, target string, atLeast int) {
	timeout, err := time.ParseDuration(os.Getenv("BENCH_TIMEOUT"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rec := dtmdrivertest.NewRecorder()
	dtmdrivertest.BuildResolver(t, resolver.Get(u.Scheme), target, rec)
	if _, ok := rec.Await(0, 2*time.Minute, func(a []string) bool { return len(a) >= atLeast }); !ok {
		t.Fatalf("no update with %d addresses", atLeast)
	}
	Say("ready")
	for cmd := range Commands() {
		if cmd != "arm" {
			return
		}
		from := rec.Len()
		before := ReadUsage(false)
		start := time.Now()
		Say("armed")
		at, ok := rec.Await(from, timeout, func([]string) bool { return true })
		if !ok {
			t.Fatalf("no update within %v", timeout)
		}
		after := ReadUsage(false)
		Say("update latency_us=%d cpu_us=%d alloc_b=%d",
			at.Sub(start).Microseconds(), (after.CPU - before.CPU).Microseconds(), after.TotalAlloc-before.TotalAlloc)
	}
}
