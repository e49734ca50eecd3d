package consul

import (
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/consultest"
	"google.golang.org/grpc"
)

// caller calls conn in a loop until stopped and counts the calls and failures.
type caller struct {
	calls, failures atomic.Int64
	lastErr         atomic.Value
	stop            chan struct{}
	wg              sync.WaitGroup
}

func startCaller(t *testing.T, conn *grpc.ClientConn, name string) *caller {
	c := &caller{stop: make(chan struct{})}
	c.wg.Go(func() {
		for {
			select {
			case <-c.stop:
				return
			default:
			}
			_, err := answeredBy(t.Context(), conn, name, 10*time.Second)
			c.calls.Add(1)
			if err != nil {
				c.failures.Add(1)
				if err != nil {
					c.lastErr.Store(err)
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	t.Cleanup(c.halt)
	return c
}

func (c *caller) halt() {
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	c.wg.Wait()
}

// TestAgentRestart restarts the agent while calls run: dtm's registration is
// restored, the watch resumes, and no call fails.
func TestAgentRestart(t *testing.T) {
	logs := captureLogs(t)
	a := consultest.Start(t)
	dtm := dtmdrivertest.StartHealthServer(t, "dtm")
	d := &driver{}
	t.Cleanup(func() { d.Close() })
	if err := d.RegisterGrpcService("consul://"+a.Addr()+"/dtmservice", dtm); err != nil {
		t.Fatal(err)
	}
	conn := dialWith(t, &builder{drv: d}, "consul://"+a.Addr()+"/dtmservice")
	if ok, err := answeredBy(t.Context(), conn, "dtm", 10*time.Second); !ok || err != nil {
		t.Fatalf("first call: %v, %v", ok, err)
	}
	calls := startCaller(t, conn, "dtm")

	// The agent keeps its local services in its data directory, even in -dev
	// mode; remove it so that the agent comes back without dtm's registration.
	a.Stop()
	if err := os.RemoveAll(filepath.Join(a.Dir(), "data")); err != nil {
		t.Fatal(err)
	}
	a.Restart(t)
	dtmdrivertest.WaitFor(t, 15*time.Second, "dtm's registration restored after the restart", func() bool {
		got := dtmdrivertest.Listed(t, a, "dtmservice")
		return len(got) == 1 && got[0] == dtm
	})
	// The watch has resumed when a new instance reaches the callers.
	other := dtmdrivertest.StartHealthServer(t, "other")
	a.Publish(t, "dtmservice", other)
	dtmdrivertest.WaitFor(t, 15*time.Second, "the resumed watch delivers a new instance", func() bool {
		ok, err := answeredBy(t.Context(), conn, "other", 10*time.Second)
		return err == nil && ok
	})
	calls.halt()
	if n := calls.failures.Load(); n > 0 {
		t.Errorf("%d of %d calls failed during the restart; last error: %v", n, calls.calls.Load(), calls.lastErr.Load())
	}
	t.Logf("%d calls during the restart, %d failed", calls.calls.Load(), calls.failures.Load())
	if l := logs.String(); !contains(l, "registered again") {
		t.Errorf("no log line about the restored registration:\n%s\nagent log:\n%s", l, agentLog(t, a))
	}
}

// TestAgentUnreachable stops the agent for a while: the last known addresses
// keep serving; after it comes back, the watch picks up new instances.
func TestAgentUnreachable(t *testing.T) {
	captureLogs(t)
	a := consultest.Start(t)
	a.Publish(t, "busi", dtmdrivertest.StartHealthServer(t, "busi"))
	conn := dialWith(t, NewBuilder(WithConfig(func(*apiConfig) {})), "consul://"+a.Addr()+"/busi?max-backoff=200ms")
	if ok, err := answeredBy(t.Context(), conn, "busi", 10*time.Second); !ok || err != nil {
		t.Fatalf("first call: %v, %v", ok, err)
	}
	a.Stop()
	calls := startCaller(t, conn, "busi")
	until := time.Now().Add(2 * time.Second)
	dtmdrivertest.WaitFor(t, 10*time.Second, "2 s of calls with the agent down", func() bool { return time.Now().After(until) })
	calls.halt()
	if n := calls.failures.Load(); n > 0 || calls.calls.Load() == 0 {
		t.Errorf("%d of %d calls failed with the agent down; last error: %v", n, calls.calls.Load(), calls.lastErr.Load())
	}
	t.Logf("%d calls with the agent down, %d failed", calls.calls.Load(), calls.failures.Load())

	a.Restart(t)
	a.Publish(t, "busi", dtmdrivertest.StartHealthServer(t, "busi-2"))
	dtmdrivertest.WaitFor(t, 15*time.Second, "the watch resumes after the agent is back", func() bool {
		ok, err := answeredBy(t.Context(), conn, "busi-2", 10*time.Second)
		return err == nil && ok
	})
}

// TestRegistrationLost deregisters dtm behind the driver's back: the driver
// registers it again.
func TestRegistrationLost(t *testing.T) {
	a := consultest.Start(t)
	api := newAPI(t, a, "")
	dtm := dtmdrivertest.StartHealthServer(t, "dtm")
	d := &driver{}
	t.Cleanup(func() { d.Close() })
	if err := d.RegisterGrpcService("consul://"+a.Addr()+"/dtmservice", dtm); err != nil {
		t.Fatal(err)
	}
	svcs, err := api.Agent().Services()
	if err != nil || len(svcs) != 1 {
		t.Fatalf("services %v, %v; want dtm's", svcs, err)
	}
	for id := range svcs {
		if err := api.Agent().ServiceDeregister(id); err != nil {
			t.Fatal(err)
		}
	}
	dtmdrivertest.WaitFor(t, 10*time.Second, "dtm registered again", func() bool { return len(dtmdrivertest.Listed(t, a, "dtmservice")) == 1 })
}
