package gozero_test

import (
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
)

// TestNoGoroutineLeakAfterClose registers dtm and closes the driver several times:
// nothing the registrations started runs afterwards, nor any connection stays
// open. Each registration has an etcd client of its own, which Close closes.
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
	published(t, "dtmservice-leak") // connects the kit's client before the count
	g := dtmdrivertest.TrackGoroutines()
	fds := dtmdrivertest.TrackFDs()
	for range rounds {
		round()
	}
	g.Check(t, 10*time.Second)
	fds.Check(t, 10*time.Second)
	if vals := published(t, "dtmservice-leak"); len(vals) != 0 {
		t.Errorf("after Close, etcd still lists %q", vals)
	}
}
