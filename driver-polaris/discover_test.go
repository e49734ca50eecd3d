package polaris

import (
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/polaristest"
)

// TestPropagation registers and withdraws instances through the server's HTTP
// API (as polaristest does, the way driver-polaris' Close withdraws dtm) and
// checks that the resolver sees each change within propagationBound: the
// server's naming cache reloads every second, the resolver asks every
// DefaultRefreshInterval. polaris-go's own watch took 3 to 4 s.
func TestPropagation(t *testing.T) {
	const propagationBound = 2500 * time.Millisecond // 1 s cache + 0.1 s poll + batching and -race slack
	srv := startPolaris(t)
	d := newDriver()
	if err := d.configure(Config{Addresses: []string{srv.GRPCAddr()}, Dir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	rec := dtmdrivertest.NewRecorder()
	dtmdrivertest.BuildResolver(t, &builder{d: d}, "polaris://propagation", rec)
	// The service does not exist yet: an empty list, no error.
	if _, ok := rec.Await(0, 5*time.Second, func(a []string) bool { return len(a) == 0 }); !ok {
		t.Fatal("no empty address list for a service the server does not know yet")
	}
	if errs := rec.Errors(); len(errs) != 0 {
		t.Fatalf("errors for a service not registered yet: %v", errs)
	}
	for i := range 3 {
		addr := dtmdrivertest.StartHealthServer(t, "propagation")
		from, start := rec.Len(), time.Now()
		withdraw, err := srv.Register("propagation", addr)
		if err != nil {
			t.Fatal(err)
		}
		at, ok := rec.Await(from, 10*time.Second, func(a []string) bool { return slices.Contains(a, addr) })
		if !ok {
			t.Fatalf("trial %d: %s not resolved within 10 s", i, addr)
		}
		up := at.Sub(start)
		from, start = rec.Len(), time.Now()
		withdraw()
		at, ok = rec.Await(from, 10*time.Second, func(a []string) bool { return !slices.Contains(a, addr) })
		if !ok {
			t.Fatalf("trial %d: %s not dropped within 10 s", i, addr)
		}
		down := at.Sub(start)
		t.Logf("trial %d: registration seen after %v, withdrawal after %v", i, up.Round(time.Millisecond), down.Round(time.Millisecond))
		if up > propagationBound || down > propagationBound {
			t.Errorf("trial %d: registration %v, withdrawal %v; want each within %v", i, up, down, propagationBound)
		}
	}
}

// TestStreamRotation polls fast enough to use several Discover streams and
// checks that the resolver keeps answering across the rotations, and that it
// asks once per interval, not more.
func TestStreamRotation(t *testing.T) {
	srv := startPolaris(t)
	const interval = 2 * time.Millisecond
	d := newDriver()
	if err := d.configure(Config{Addresses: []string{srv.GRPCAddr()}, Dir: t.TempDir(), RefreshInterval: interval}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	a := dtmdrivertest.StartHealthServer(t, "rotation")
	srv.Publish(t, "rotation", a)
	rec := dtmdrivertest.NewRecorder()
	before := discoverRequests.Load()
	start := time.Now()
	dtmdrivertest.BuildResolver(t, &builder{d: d}, "polaris://rotation", rec)
	dtmdrivertest.WaitFor(t, 10*time.Second, "the first instance", func() bool { return rec.Has(a) })
	dtmdrivertest.WaitFor(t, 20*time.Second, "three streams' worth of requests", func() bool {
		return discoverRequests.Load()-before > 3*streamRequests
	})
	n, elapsed := discoverRequests.Load()-before, time.Since(start)
	if most := int64(elapsed/interval) + 2; n > most {
		t.Errorf("%d requests in %v at one per %v; want at most %d", n, elapsed, interval, most)
	}
	b := dtmdrivertest.StartHealthServer(t, "rotation")
	srv.Publish(t, "rotation", b)
	dtmdrivertest.WaitFor(t, 10*time.Second, "the instance registered after the rotations", func() bool { return rec.Has(b) })
	if errs := rec.Errors(); len(errs) != 0 {
		t.Errorf("errors across stream rotations: %v", errs)
	}
}

// TestToken resolves through a server with authentication on: with the token
// the resolver gets the instances; with a wrong one it reports an error that
// says what went wrong, and neither that error nor the driver's log carries
// the token.
func TestToken(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: needs a Polaris server")
	}
	srv := polaristest.Start(t, polaristest.WithAuth())
	a := dtmdrivertest.StartHealthServer(t, "token")
	srv.Publish(t, "token", a)

	good := newDriver()
	if err := good.configure(Config{Addresses: []string{srv.GRPCAddr()}, Token: srv.Token(), Dir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = good.Close() })
	rec := dtmdrivertest.NewRecorder()
	dtmdrivertest.BuildResolver(t, &builder{d: good}, "polaris://token", rec)
	dtmdrivertest.WaitFor(t, 10*time.Second, "the instance, with the token", func() bool { return rec.Has(a) })

	const wrong = "Wr0ngSecretTokenValue"
	var logs dtmdrivertest.SyncBuffer
	bad := newDriver()
	bad.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if err := bad.configure(Config{Addresses: []string{srv.GRPCAddr()}, Token: wrong, Dir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bad.Close() })
	rec = dtmdrivertest.NewRecorder()
	dtmdrivertest.BuildResolver(t, &builder{d: bad}, "polaris://token", rec)
	dtmdrivertest.WaitFor(t, 10*time.Second, "an error with a wrong token", func() bool { return len(rec.Errors()) > 0 })
	err := rec.Errors()[0]
	t.Logf("error with a wrong token: %v", err)
	if !strings.Contains(err.Error(), "token") && !strings.Contains(err.Error(), "auth") {
		t.Errorf("error %q does not say that the token was refused", err)
	}
	if rec.Has(a) {
		t.Error("resolved with a wrong token")
	}
	for _, s := range []string{err.Error(), logs.String()} {
		if strings.Contains(s, wrong) {
			t.Errorf("the token leaked: %q", s)
		}
	}
}
