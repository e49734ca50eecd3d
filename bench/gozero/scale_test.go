package gozero

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/resolver"
)

// Sizes of BenchmarkScale: two of each, to show how the costs grow.
var (
	targetCounts   = []int{20, 200}
	instanceCounts = []int{100, 1000}
)

const (
	updateTrials = 30
	idleWindow   = 3 * time.Second
)

// BenchmarkScale measures a client process (a child copy of this test binary,
// so that the embedded etcd's own work is not counted) against one etcd:
//
//	targets=N/driver   N services of one instance each, dialled through the
//	                   driver (etcd://host/key) with one call each: the
//	                   process's live heap, goroutines and CPU to get there,
//	                   and its CPU per second while idle with N watches
//	targets=N/direct   the same N connections dialled as host:port (gRPC alone)
//	update/instances=N one service of N instances watched by the driver's
//	                   resolver; per added instance: time to the update, CPU
//	                   and bytes allocated in the client
//
// Run with -benchtime 1x.
func BenchmarkScale(b *testing.B) {
	e := etcdtest.Start(b)
	cli := e.Client(b)
	ctx := b.Context()
	lease, err := cli.Grant(ctx, 3600)
	if err != nil {
		b.Fatal(err)
	}
	addr := dtmdrivertest.StartHealthServer(b, "")
	put(b, cli, lease.ID, targetCounts[len(targetCounts)-1], func(i int) (string, string) {
		return fmt.Sprintf("scale.svc.%d/%d", i, lease.ID), addr
	})
	for _, n := range targetCounts {
		for _, via := range []string{"direct", "driver"} {
			b.Run(fmt.Sprintf("targets=%d/%s", n, via), once(func(b *testing.B) func(*testing.B) {
				c := benchkit.StartChild(b, "TestScaleChild", "targets",
					"BENCH_ETCD="+e.Endpoint(), "BENCH_N="+strconv.Itoa(n), "BENCH_ADDR="+addr, "BENCH_VIA="+via)
				m := c.Expect(b, "targets", 2*time.Minute)
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
	}
	total := 0
	for _, n := range instanceCounts {
		key := fmt.Sprintf("scale.inst.%d", n)
		put(b, cli, lease.ID, n, func(i int) (string, string) {
			return fmt.Sprintf("%s/%d", key, i), fmt.Sprintf("127.0.0.1:%d", 10000+i)
		})
		b.Run(fmt.Sprintf("update/instances=%d", n), once(func(b *testing.B) func(*testing.B) {
			c := benchkit.StartChild(b, "TestScaleChild", "update", "BENCH_ETCD="+e.Endpoint(), "BENCH_KEY="+key)
			c.Expect(b, "ready", time.Minute)
			var lat, cpu, alloc []time.Duration
			for i := range updateTrials {
				c.Send(b, "arm")
				c.Expect(b, "armed", 10*time.Second)
				if _, err := cli.Put(ctx, fmt.Sprintf("%s/new-%d", key, i), fmt.Sprintf("127.0.0.2:%d", 10000+i), clientv3.WithLease(lease.ID)); err != nil {
					b.Fatal(err)
				}
				m := c.Expect(b, "update", 10*time.Second)
				lat = append(lat, time.Duration(m["latency_us"])*time.Microsecond)
				cpu = append(cpu, time.Duration(m["cpu_us"])*time.Microsecond)
				alloc = append(alloc, time.Duration(m["alloc_b"])) // bytes, sorted as durations
				total++
			}
			c.Send(b, "quit")
			return func(b *testing.B) {
				b.ReportMetric(0, "ns/op")
				b.ReportMetric(float64(benchkit.Percentile(lat, 50))/1e6, "p50-ms")
				b.ReportMetric(float64(benchkit.Percentile(lat, 99))/1e6, "p99-ms")
				b.ReportMetric(float64(benchkit.Percentile(cpu, 50))/1e3, "cpu-us/update")
				b.ReportMetric(float64(benchkit.Percentile(alloc, 50))/1024, "alloc-KB/update")
			}
		}))
	}
}

// once runs measure the first time the benchmark function is called and only
// reports its figures when the testing package calls it again.
func once(measure func(b *testing.B) func(b *testing.B)) func(b *testing.B) {
	var report func(b *testing.B)
	return func(b *testing.B) {
		if report == nil {
			report = measure(b)
		}
		report(b)
	}
}

// put writes n keys under one lease, eight at a time.
func put(b *testing.B, cli *clientv3.Client, lease clientv3.LeaseID, n int, kv func(i int) (string, string)) {
	b.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			k, v := kv(i)
			if _, err := cli.Put(b.Context(), k, v, clientv3.WithLease(lease)); err != nil {
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
// the benchmark started it.
func TestScaleChild(t *testing.T) {
	mode := os.Getenv(benchkit.ChildEnv)
	switch mode {
	case "":
		t.Skip("run by BenchmarkScale")
	case "targets":
		childTargets(t)
	case "update":
		childUpdate(t)
	default:
		t.Fatalf("unknown mode %q", mode)
	}
}

func childTargets(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv("BENCH_N"))
	if err != nil {
		t.Fatal(err)
	}
	ep, addr, via := os.Getenv("BENCH_ETCD"), os.Getenv("BENCH_ADDR"), os.Getenv("BENCH_VIA")
	before := benchkit.ReadUsage(true)
	var conns []*grpc.ClientConn
	for i := range n {
		server, method := addr, benchkit.HealthMethod
		if via == "driver" {
			server, method, err = dtmdriver.GetDriver().ParseServerMethod(fmt.Sprintf("etcd://%s/scale.svc.%d%s", ep, i, benchkit.HealthMethod))
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
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		err = conn.Invoke(ctx, method, &healthpb.HealthCheckRequest{}, &healthpb.HealthCheckResponse{}, grpc.WaitForReady(true))
		cancel()
		if err != nil {
			t.Fatalf("target %d (%s): %v", i, server, err)
		}
	}
	ready := benchkit.ReadUsage(true)
	// A fixed measurement window, not a wait for a condition.
	time.Sleep(idleWindow)
	idle := benchkit.ReadUsage(false)
	benchkit.Say("targets heap_kb=%.1f goroutines=%d setup_cpu_ms=%.1f idle_cpu_ms_per_s=%.3f",
		float64(int64(ready.HeapInuse)-int64(before.HeapInuse))/1024,
		ready.Goroutines-before.Goroutines,
		float64(ready.CPU-before.CPU)/1e6,
		float64(idle.CPU-ready.CPU)/1e6/idleWindow.Seconds())
	for _, c := range conns {
		_ = c.Close()
	}
}

func childUpdate(t *testing.T) {
	rec := dtmdrivertest.NewRecorder()
	dtmdrivertest.BuildResolver(t, resolver.Get("etcd"), "etcd://"+os.Getenv("BENCH_ETCD")+"/"+os.Getenv("BENCH_KEY"), rec)
	if _, ok := rec.Await(0, time.Minute, func(a []string) bool { return len(a) > 0 }); !ok {
		t.Fatal("no first update")
	}
	benchkit.Say("ready")
	for cmd := range benchkit.Commands() {
		if cmd != "arm" {
			return
		}
		from := rec.Len()
		before := benchkit.ReadUsage(false)
		start := time.Now()
		benchkit.Say("armed")
		at, ok := rec.Await(from, 10*time.Second, func([]string) bool { return true })
		if !ok {
			t.Fatal("no update within 10 s")
		}
		after := benchkit.ReadUsage(false)
		benchkit.Say("update latency_us=%d cpu_us=%d alloc_b=%d",
			at.Sub(start).Microseconds(), (after.CPU - before.CPU).Microseconds(), after.TotalAlloc-before.TotalAlloc)
	}
}
