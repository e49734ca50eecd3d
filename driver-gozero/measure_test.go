package gozero_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/resolver"
)

// MeasureEnv turns TestMeasureResolverLatency on.
const measureEnv = "DTM_GOZERO_MEASURE"

// TestMeasureResolverLatency measures, over 200 trials, the time from an instance's
// registration (a Put under a lease, as go-zero's publisher makes it) to the update
// of a resolver built by the driver's etcd scheme, and from the end of its lease (a
// Revoke) to the update that drops it. It prints p50, p99 and max. It runs only
// with DTM_GOZERO_MEASURE=1:
//
//	DTM_GOZERO_MEASURE=1 GOWORK=off go test -run TestMeasureResolverLatency -v .
func TestMeasureResolverLatency(t *testing.T) {
	if os.Getenv(measureEnv) != "1" {
		t.Skip("set " + measureEnv + "=1 to measure")
	}
	e := needEtcd(t)
	const key, trials = "measure.rpc", 200
	rec := dtmdrivertest.NewRecorder()
	dtmdrivertest.BuildResolver(t, resolver.Get("etcd"), "etcd://"+e.Endpoint()+"/"+key, rec)
	await := func(ok func([]string) bool, from int) time.Time {
		at, done := rec.Await(from, 10*time.Second, ok)
		if !done {
			t.Fatal("no resolver update within 10s")
		}
		return at
	}
	raw := e.Client(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	var up, down []time.Duration
	for i := range trials {
		addr := fmt.Sprintf("127.0.0.1:%d", 20000+i)
		lease, err := raw.Grant(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		from, start := rec.Len(), time.Now()
		if _, err := raw.Put(ctx, fmt.Sprintf("%s/%d", key, lease.ID), addr, clientv3.WithLease(lease.ID)); err != nil {
			t.Fatal(err)
		}
		at := await(func(a []string) bool { return slices.Contains(a, addr) }, from)
		up = append(up, at.Sub(start))
		from, start = rec.Len(), time.Now()
		if _, err := raw.Revoke(ctx, lease.ID); err != nil {
			t.Fatal(err)
		}
		at = await(func(a []string) bool { return !slices.Contains(a, addr) }, from)
		down = append(down, at.Sub(start))
	}
	for _, m := range []struct {
		what string
		d    []time.Duration
	}{{"registration to resolver update", up}, {"lease end to resolver update", down}} {
		slices.Sort(m.d)
		t.Logf("%s over %d trials: p50 %v, p99 %v, max %v", m.what, len(m.d),
			m.d[len(m.d)/2], m.d[len(m.d)*99/100], m.d[len(m.d)-1])
	}
}
