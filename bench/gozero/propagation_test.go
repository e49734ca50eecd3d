package gozero

import (
	"fmt"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/etcdtest"
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
// (go-zero: 10 s) on top. The resolver reports to a dtmdrivertest.Recorder, a
// stand-in for gRPC's ClientConn; etcd is real.
func BenchmarkPropagation(b *testing.B) {
	e := etcdtest.Start(b)
	const key = "bench.prop"
	rec := dtmdrivertest.NewRecorder()
	dtmdrivertest.BuildResolver(b, resolver.Get("etcd"), "etcd://"+e.Endpoint()+"/"+key, rec)
	var up, down []time.Duration
	for i := range propagationTrials {
		addr := fmt.Sprintf("127.0.0.1:%d", 20000+i)
		from, start := rec.Len(), time.Now()
		withdraw, err := e.Register(key, addr) // a Grant, then the Put that counts
		if err != nil {
			b.Fatal(err)
		}
		at, ok := rec.Await(from, 10*time.Second, benchkit.Has(addr, true))
		if !ok {
			b.Fatalf("trial %d: %s not resolved within 10 s", i, addr)
		}
		up = append(up, at.Sub(start))
		from, start = rec.Len(), time.Now()
		withdraw() // the Revoke
		at, ok = rec.Await(from, 10*time.Second, benchkit.Has(addr, false))
		if !ok {
			b.Fatalf("trial %d: %s not dropped within 10 s", i, addr)
		}
		down = append(down, at.Sub(start))
	}
	b.Run("etcd/register", func(b *testing.B) { benchkit.ReportLatency(b, up) })
	b.Run("etcd/deregister", func(b *testing.B) { benchkit.ReportLatency(b, down) })
}
