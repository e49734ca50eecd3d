package gozero_test

import (
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
)

// TestNoGoroutineLeakAfterClose registers dtm and closes the driver several times:
// nothing the registrations started runs afterwards, except what go-zero keeps on
// purpose or cannot stop: the etcd client it caches per set of hosts (made by the
// warm-up round), and one watch per publisher in that client, which go-zero's
// publisher opens with the client's context and never cancels.
func TestNoGoroutineLeakAfterClose(t *testing.T) {
	e := needEtcd(t)
	d := theDriver(t)
	closer := d.(dtmdriver.Closer)
	addr := dtmdrivertest.StartHealthServer(t, "dtm")
	target := "etcd://" + e.Endpoint() + "/dtmservice-leak"
	round := func() {
		t.Helper()
		if err := d.RegisterGrpcService(target, addr); err != nil {
			t.Fatal(err)
		}
		if err := closer.Close(); err != nil {
			t.Fatal(err)
		}
	}
	round() // go-zero's cached client for these hosts
	const rounds = 3
	g := dtmdrivertest.TrackGoroutines()
	substreams := countGoroutines(substreamFrame)
	for range rounds {
		round()
	}
	g.Check(t, 10*time.Second, substreamFrame)
	if n := countGoroutines(substreamFrame) - substreams; n > rounds {
		t.Errorf("%d more etcd watch goroutines after %d rounds: more than go-zero's one per publisher", n, rounds)
	}
	if vals := published(t, e.Client(t), "dtmservice-leak"); len(vals) != 0 {
		t.Errorf("after Close, etcd still lists %q", vals)
	}
}
