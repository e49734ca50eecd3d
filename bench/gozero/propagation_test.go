package gozero

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"
	"github.com/dtmdrivers/drivers/testenv/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/resolver"
)

// propagationTrials is the number of trials of BenchmarkPropagation: etcd
// answers in milliseconds, so they are cheap.
const propagationTrials = 100

// BenchmarkPropagation times, over propagationTrials trials, an instance's
// registration in etcd (a Put under a lease, as go-zero's discov.Publisher
// makes it) to the update of a resolver built by the driver's etcd scheme, and
// the end of its lease (a Revoke, as a publisher that stops makes it) to the
// update that drops it. A crashed instance is dropped when its lease expires
// (go-zero: 10 s) on top. The resolver reports to a benchkit.Recorder, a
// stand-in for gRPC's ClientConn; etcd is real.
func BenchmarkPropagation(b *testing.B) {
	e := etcdtest.Start(b)
	const key = "bench.prop"
	rec := benchkit.NewRecorder()
	u := url.URL{Scheme: "etcd", Host: e.Endpoint(), Path: "/" + key}
	r, err := resolver.Get("etcd").Build(resolver.Target{URL: u}, rec, resolver.BuildOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(r.Close)
	cli := e.Client(b)
	ctx, cancel := context.WithTimeout(b.Context(), 5*time.Minute)
	defer cancel()
	var up, down []time.Duration
	for i := range propagationTrials {
		addr := fmt.Sprintf("127.0.0.1:%d", 20000+i)
		lease, err := cli.Grant(ctx, 10)
		if err != nil {
			b.Fatal(err)
		}
		from, start := rec.Len(), time.Now()
		if _, err := cli.Put(ctx, fmt.Sprintf("%s/%d", key, lease.ID), addr, clientv3.WithLease(lease.ID)); err != nil {
			b.Fatal(err)
		}
		at, ok := rec.Await(from, 10*time.Second, benchkit.Has(addr, true))
		if !ok {
			b.Fatalf("trial %d: %s not resolved within 10 s", i, addr)
		}
		up = append(up, at.Sub(start))
		from, start = rec.Len(), time.Now()
		if _, err := cli.Revoke(ctx, lease.ID); err != nil {
			b.Fatal(err)
		}
		at, ok = rec.Await(from, 10*time.Second, benchkit.Has(addr, false))
		if !ok {
			b.Fatalf("trial %d: %s not dropped within 10 s", i, addr)
		}
		down = append(down, at.Sub(start))
	}
	b.Run("etcd/register", func(b *testing.B) { benchkit.ReportLatency(b, up) })
	b.Run("etcd/deregister", func(b *testing.B) { benchkit.ReportLatency(b, down) })
}
