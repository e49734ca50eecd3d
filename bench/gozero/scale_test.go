package gozero

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Sizes of BenchmarkScale: two of each, to show how the costs grow.
var (
	targetCounts   = []int{20, 200}
	instanceCounts = []int{100, 1000}
)

// BenchmarkScale measures a client process (a child copy of this test binary,
// so that the embedded etcd's own work is not counted) against one etcd, as
// benchkit's scale benchmarks do: targets=N/driver dials etcd://host/key
// targets, update/instances=N watches one key prefix with N instances.
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
			benchkit.ScaleTargets(b, "TestScaleChild", n, via, "BENCH_ETCD="+e.Endpoint(), "BENCH_ADDR="+addr)
		}
	}
	for _, n := range instanceCounts {
		key := fmt.Sprintf("scale.inst.%d", n)
		put(b, cli, lease.ID, n, func(i int) (string, string) {
			return fmt.Sprintf("%s/%d", key, i), fmt.Sprintf("127.0.0.1:%d", 10000+i)
		})
		benchkit.ScaleUpdate(b, "TestScaleChild", n, 10*time.Second, 0, func(i int) error {
			_, err := cli.Put(ctx, fmt.Sprintf("%s/new-%d", key, i), fmt.Sprintf("127.0.0.2:%d", 10000+i), clientv3.WithLease(lease.ID))
			return err
		}, "BENCH_ETCD="+e.Endpoint(), "BENCH_KEY="+key)
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
	ep := os.Getenv("BENCH_ETCD")
	switch mode := os.Getenv(benchkit.ChildEnv); mode {
	case "":
		t.Skip("run by BenchmarkScale")
	case "targets":
		benchkit.ChildTargets(t, os.Getenv("BENCH_ADDR"), func(i int) string { return fmt.Sprintf("etcd://%s/scale.svc.%d", ep, i) })
	case "update":
		// go-zero hands gRPC a subset of at most 32 addresses.
		benchkit.ChildUpdate(t, "etcd://"+ep+"/"+os.Getenv("BENCH_KEY"), 1)
	default:
		t.Fatalf("unknown mode %q", mode)
	}
}
