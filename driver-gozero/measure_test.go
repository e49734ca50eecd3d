package gozero_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/resolver"
)

// MeasureEnv turns TestMeasureResolverLatency on.
const measureEnv = "DTM_GOZERO_MEASURE"

// updates records the address lists a resolver reports, with their times.
type updates struct {
	resolver.ClientConn // only UpdateState is called by go-zero's resolver
	mu                  sync.Mutex
	changed             chan struct{}
	addrs               []string
	at                  time.Time
}

func (u *updates) UpdateState(s resolver.State) error {
	u.mu.Lock()
	u.addrs = u.addrs[:0]
	for _, a := range s.Addresses {
		u.addrs = append(u.addrs, a.Addr)
	}
	u.at = time.Now()
	u.mu.Unlock()
	select {
	case u.changed <- struct{}{}:
	default:
	}
	return nil
}

func (u *updates) ReportError(error) {}

// waitUntil waits for a report satisfying has and returns when it came.
func (u *updates) waitUntil(t *testing.T, timeout time.Duration, has func([]string) bool) time.Time {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		u.mu.Lock()
		ok, at := has(u.addrs), u.at
		u.mu.Unlock()
		if ok {
			return at
		}
		select {
		case <-u.changed:
		case <-deadline.C:
			t.Fatalf("no resolver update within %v", timeout)
		}
	}
}

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
	u := &updates{changed: make(chan struct{}, 1)}
	target := resolver.Target{URL: url.URL{Scheme: "etcd", Host: e.Endpoint(), Path: "/" + key}}
	r, err := resolver.Get("etcd").Build(target, u, resolver.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
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
		start := time.Now()
		if _, err := raw.Put(ctx, fmt.Sprintf("%s/%d", key, lease.ID), addr, clientv3.WithLease(lease.ID)); err != nil {
			t.Fatal(err)
		}
		at := u.waitUntil(t, 10*time.Second, func(a []string) bool { return slices.Contains(a, addr) })
		up = append(up, at.Sub(start))
		start = time.Now()
		if _, err := raw.Revoke(ctx, lease.ID); err != nil {
			t.Fatal(err)
		}
		at = u.waitUntil(t, 10*time.Second, func(a []string) bool { return !slices.Contains(a, addr) })
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
