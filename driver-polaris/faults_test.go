package polaris

import (
	"context"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestServerRestart restarts the Polaris server while calls run: calls keep
// succeeding, dtm's registration is there and healthy afterwards, and the watch
// resumes (an instance registered after the restart is called).
func TestServerRestart(t *testing.T) {
	srv := startPolaris(t)
	provider := providerSDK(t, srv)
	a := dtmdrivertest.StartCountingServer(t, "svc")
	registerLikeGrpcGoPolaris(t, provider, DefaultNamespace, "restart", a.Addr, nil)

	d := newDriver()
	if err := d.configure(Config{Dir: t.TempDir(), RefreshInterval: testRefresh}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	dtm := dtmdrivertest.StartCountingServer(t, "dtm")
	if err := d.RegisterGrpcService("polaris://"+srv.GRPCAddr()+"/dtmservice?ttl=2", dtm.Addr); err != nil {
		t.Fatal(err)
	}
	conn := dialDriver(t, d, "polaris://restart")
	if err := checkHealth(t.Context(), conn, "svc", 20*time.Second); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	var failed, ok atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			if err := checkHealth(ctx, conn, "svc", 5*time.Second); err != nil && ctx.Err() == nil {
				failed.Add(1)
				t.Logf("call during restart: %v", err)
			} else if err == nil {
				ok.Add(1)
			}
		}
	})
	srv.Restart(t)

	// dtm's registration: there and healthy, kept so by heartbeats.
	dtmdrivertest.WaitFor(t, 20*time.Second, "dtm healthy after the restart", func() bool {
		insts := srv.Instances(t, DefaultNamespace, "dtmservice")
		return len(insts) == 1 && insts[0].Healthy
	})
	// The watch resumes: a new instance is called.
	b := dtmdrivertest.StartCountingServer(t, "svc")
	registerLikeGrpcGoPolaris(t, provider, DefaultNamespace, "restart", b.Addr, nil)
	dtmdrivertest.WaitFor(t, 30*time.Second, "a call on the instance registered after the restart", func() bool { return b.Calls.Load() > 0 })
	cancel()
	wg.Wait()
	if failed.Load() != 0 || ok.Load() == 0 {
		t.Errorf("during the restart %d calls failed, %d succeeded; want none failed", failed.Load(), ok.Load())
	}
}

// TestServerLosesInstance restarts the server without its data: dtm's
// heartbeats fail and the driver registers it again.
func TestServerLosesInstance(t *testing.T) {
	srv := startPolaris(t)
	d := newDriver()
	if err := d.configure(Config{Dir: t.TempDir(), RefreshInterval: testRefresh}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	dtm := dtmdrivertest.StartCountingServer(t, "dtm")
	if err := d.RegisterGrpcService("polaris://"+srv.GRPCAddr()+"/dtmservice?ttl=1", dtm.Addr); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	if err := os.Remove(filepath.Join(srv.Dir(), "polaris.bolt")); err != nil {
		t.Fatal(err)
	}
	srv.Restart(t)
	if insts := srv.Instances(t, DefaultNamespace, "dtmservice"); len(insts) != 0 {
		t.Fatalf("the server kept %+v", insts)
	}
	start := time.Now()
	dtmdrivertest.WaitFor(t, 20*time.Second, "dtm registered again", func() bool {
		insts := srv.Instances(t, DefaultNamespace, "dtmservice")
		return len(insts) == 1 && insts[0].Healthy
	})
	t.Logf("registered again %v after the server came back", time.Since(start).Round(time.Millisecond))
}

// TestServerUnreachable stops the server for a while: the resolver keeps the
// last known addresses, and calls keep reaching them.
func TestServerUnreachable(t *testing.T) {
	srv := startPolaris(t)
	provider := providerSDK(t, srv)
	a := dtmdrivertest.StartCountingServer(t, "svc")
	registerLikeGrpcGoPolaris(t, provider, DefaultNamespace, "unreachable", a.Addr, nil)
	d := newTestDriver(t, srv)
	conn := dialDriver(t, d, "polaris://unreachable")
	rec := dtmdrivertest.NewRecorder()
	dtmdrivertest.BuildResolver(t, &builder{d: d}, "polaris://unreachable", rec)
	if err := checkHealth(t.Context(), conn, "svc", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	dtmdrivertest.WaitFor(t, 10*time.Second, "the recorder's addresses", func() bool { return rec.Has(a.Addr) })

	srv.Stop()
	// For many refresh intervals and retries, calls work and
	// the resolver does not drop the address.
	for end := time.Now().Add(5 * retryRefresh); time.Now().Before(end); {
		if err := checkHealth(t.Context(), conn, "svc", 5*time.Second); err != nil {
			t.Fatalf("call with the server down: %v", err)
		}
		if !rec.Has(a.Addr) {
			t.Fatal("the resolver dropped the last known address while the server was down")
		}
		select {
		case <-rec.Updated():
		case <-time.After(100 * time.Millisecond):
		}
	}
	srv.Restart(t)
	if err := checkHealth(t.Context(), conn, "svc", 10*time.Second); err != nil {
		t.Fatal(err)
	}
}
