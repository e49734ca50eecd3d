package consul

import (
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/consultest"
)

// TestNoLeakAfterClose registers, resolves and calls, then closes everything:
// no goroutine the driver started may remain.
func TestNoLeakAfterClose(t *testing.T) {
	a := consultest.Start(t)
	dtm := dtmdrivertest.StartHealthServer(t, "dtm")
	goroutines := dtmdrivertest.TrackGoroutines()

	d := &driver{}
	if err := d.RegisterGrpcService("consul://"+a.Addr()+"/dtmservice?interval=1s", dtm); err != nil {
		t.Fatal(err)
	}
	conn := dialWith(t, &builder{drv: d}, "consul://"+a.Addr()+"/dtmservice")
	for range 3 {
		if ok, err := answeredBy(t.Context(), conn, "dtm", 10*time.Second); !ok || err != nil {
			t.Fatalf("call: %v, %v", ok, err)
		}
	}
	conn.Close()
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	goroutines.Check(t, 10*time.Second)
}

// TestNoLeakAfterCloseHTTP: HTTP resolution and dtm's HTTP registration
// leave no goroutine after Close.
func TestNoLeakAfterCloseHTTP(t *testing.T) {
	a := consultest.Start(t)
	b := httpBackend(t, "b")
	w, err := a.RegisterHTTP("busi-http", hostOf(b), "/health", false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w)
	goroutines := dtmdrivertest.TrackGoroutines()

	d := &driver{}
	if err := d.RegisterHTTPService("consul://"+a.Addr()+"/dtmservice?interval=1s", hostOf(b)); err != nil {
		t.Fatal(err)
	}
	dtmdrivertest.WaitFor(t, 10*time.Second, "busi-http resolved", func() bool {
		name, _, err := get(t, d, "consul://"+a.Addr()+"/busi-http/api")
		return err == nil && name == "b"
	})
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	goroutines.Check(t, 10*time.Second)
}
