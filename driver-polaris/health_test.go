package polaris

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/polaristest"
	"github.com/polarismesh/polaris-go/api"
	"github.com/polarismesh/polaris-go/pkg/model"
)

// TestIsolatedNotCalled isolates one of two instances in the console: once the
// change reaches the driver, no call goes to it.
func TestIsolatedNotCalled(t *testing.T) {
	srv := startPolaris(t)
	provider := providerSDK(t, srv)
	a, b := dtmdrivertest.StartCountingServer(t, "svc"), dtmdrivertest.StartCountingServer(t, "svc")
	registerLikeGrpcGoPolaris(t, provider, DefaultNamespace, "isolation", a.Addr, nil)
	registerLikeGrpcGoPolaris(t, provider, DefaultNamespace, "isolation", b.Addr, nil)

	d := newTestDriver(t, srv)
	conn := dialDriver(t, d, "polaris://isolation")
	dtmdrivertest.WaitFor(t, 20*time.Second, "calls on both instances", func() bool {
		if err := checkHealth(t.Context(), conn, "svc", 10*time.Second); err != nil {
			t.Fatal(err)
		}
		return a.Calls.Load() > 0 && b.Calls.Load() > 0
	})

	host, port := dtmdrivertest.HostPort(t, a.Addr)
	srv.SetIsolated(t, DefaultNamespace, "isolation", host, port, true)
	// Wait for 20 calls in a row that all avoid a.
	dtmdrivertest.WaitFor(t, 20*time.Second, "20 calls in a row avoiding the isolated instance", func() bool {
		before := a.Calls.Load()
		for range 20 {
			if err := checkHealth(t.Context(), conn, "svc", 10*time.Second); err != nil {
				t.Fatal(err)
			}
		}
		return a.Calls.Load() == before
	})
	// And it stays out.
	before := a.Calls.Load()
	for range 20 {
		if err := checkHealth(t.Context(), conn, "svc", 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if n := a.Calls.Load() - before; n != 0 {
		t.Errorf("the isolated instance answered %d more calls", n)
	}
}

// latencyTrials is how many instances TestLatency registers and lets expire.
const latencyTrials = 50

// TestLatency measures, over latencyTrials services each with its own resolver,
// the time from a registration returning to the resolver reporting the
// instance, and from an instance's last heartbeat to the resolver dropping it
// (the health check: an instance whose heartbeat stops leaves rotation). The
// trials run at once, their starts and stops spread over two seconds.
// DTM_POLARIS_TEST_REFRESH (a duration) overrides polaris-go's refresh interval.
func TestLatency(t *testing.T) {
	srv := startPolaris(t)
	cfg := testConfig(t, srv)
	if v := os.Getenv("DTM_POLARIS_TEST_REFRESH"); v != "" {
		r, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		cfg.RefreshInterval = r
	}
	d := newDriver()
	if err := d.configure(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	p := api.NewProviderAPIByContext(providerSDK(t, srv))
	const ttl = 1 // seconds: the server expires an instance after 3 TTLs without heartbeat

	var mu sync.Mutex
	var registered, expired, unhealthy []time.Duration
	var wg sync.WaitGroup
	for i := range latencyTrials {
		wg.Go(func() {
			if err := latencyTrial(t, srv, d, p, i, ttl, &mu, &registered, &expired, &unhealthy); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	t.Logf("refresh interval %v, TTL %ds, %d trials", cfg.RefreshInterval, ttl, latencyTrials)
	t.Logf("registration -> resolver update: %s", percentiles(registered))
	t.Logf("last heartbeat -> server marks it unhealthy (console API, polled every 100 ms): %s", percentiles(unhealthy))
	t.Logf("last heartbeat -> resolver drops the instance: %s", percentiles(expired))
}

func latencyTrial(t *testing.T, srv *polaristest.Server, d *driver, p api.ProviderAPI, i, ttl int, mu *sync.Mutex, registered, expired, unhealthy *[]time.Duration) error {
	service := fmt.Sprintf("latency-%d", i)
	addr := dtmdrivertest.StartHealthServer(t, service)
	host, port := dtmdrivertest.HostPort(t, addr)
	rec := dtmdrivertest.NewRecorder()
	dtmdrivertest.BuildResolver(t, &builder{d: d}, "polaris://"+service, rec)
	time.Sleep(time.Duration(rand.Int64N(int64(2 * time.Second)))) // spread the trials, not a wait for a condition

	req := &api.InstanceRegisterRequest{InstanceRegisterRequest: model.InstanceRegisterRequest{
		Service: service, Namespace: DefaultNamespace, Host: host, Port: port,
	}}
	req.SetTTL(ttl)
	resp, err := p.Register(req) // no automatic heartbeat: this trial sends them
	if err != nil {
		return fmt.Errorf("%s: register: %v", service, err)
	}
	start := time.Now()
	beat := func() {
		_ = p.Heartbeat(&api.InstanceHeartbeatRequest{InstanceHeartbeatRequest: model.InstanceHeartbeatRequest{
			Service: service, Namespace: DefaultNamespace, Host: host, Port: port, InstanceID: resp.InstanceID,
		}})
	}
	beat()
	var seen time.Time
	for deadline := start.Add(30 * time.Second); ; {
		if addrs, at := rec.Last(); slices.Contains(addrs, addr) {
			seen = at
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not resolved 30 s after its registration", service)
		}
		select {
		case <-rec.Updated():
		case <-time.After(time.Duration(ttl) * time.Second / 2):
			beat()
		}
	}
	// Keep it alive a little, then stop its heartbeats.
	keep := time.Now().Add(time.Duration(rand.Int64N(int64(2 * time.Second))))
	for time.Now().Before(keep) {
		beat()
		select {
		case <-time.After(time.Until(keep)):
		case <-time.After(time.Duration(ttl) * time.Second / 2):
		}
	}
	beat()
	last := time.Now()
	var gone, sick time.Time
	for deadline := last.Add(30 * time.Second); ; {
		if sick.IsZero() {
			if insts := srv.Instances(t, DefaultNamespace, service); len(insts) == 1 && !insts[0].Healthy {
				sick = time.Now()
			}
		}
		if addrs, at := rec.Last(); !slices.Contains(addrs, addr) {
			gone = at
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: still resolved 30 s after its last heartbeat", service)
		}
		select {
		case <-rec.Updated():
		case <-time.After(100 * time.Millisecond):
		}
	}
	if sick.IsZero() || sick.After(gone) {
		sick = gone // the resolver saw it first
	}
	mu.Lock()
	*registered = append(*registered, seen.Sub(start))
	*expired = append(*expired, gone.Sub(last))
	*unhealthy = append(*unhealthy, sick.Sub(last))
	mu.Unlock()
	return nil
}

// percentiles formats the p50 and p99 (nearest rank) of ds.
func percentiles(ds []time.Duration) string {
	if len(ds) == 0 {
		return "no samples"
	}
	slices.Sort(ds)
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(ds))+0.999999) - 1
		return ds[max(0, min(i, len(ds)-1))]
	}
	return fmt.Sprintf("n=%d min %v p50 %v p99 %v max %v", len(ds),
		ds[0].Round(time.Millisecond), rank(0.50).Round(time.Millisecond),
		rank(0.99).Round(time.Millisecond), ds[len(ds)-1].Round(time.Millisecond))
}
