package polaris

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/polaristest"
	"github.com/dtmdrivers/drivers/testenv/polaristest/provider"
	"github.com/polarismesh/polaris-go/api"
	"github.com/polarismesh/polaris-go/pkg/model"
	"google.golang.org/grpc/resolver"
)

const (
	// propagationTrials is the number of trials of BenchmarkPropagation. They
	// run at once, one service each, started at random within two seconds:
	// one trial takes up to ten seconds (polaris-go's refresh is the slow one).
	propagationTrials = 24
	// floorPoll is how often the floor observer reads the server's naming
	// cache, and pollLocal how often the polaris-go observer reads its local
	// cache (no request to the server).
	floorPoll = 20 * time.Millisecond
	pollLocal = 10 * time.Millisecond
	// loadServices and loadWindow: the load phase resolves loadServices
	// services and measures the server for loadWindow.
	loadServices = 20
	loadWindow   = 5 * time.Second
)

// observer names, in the order of the result arrays.
var observers = [...]string{"polaris", "polaris-floor", "polaris-go"}

// BenchmarkPropagation times an instance's registration through the Polaris
// server's HTTP client API, and its withdrawal (polaristest's: isolation, then
// deregistration, as driver-polaris's Close does), to the moment three
// observers see it:
//
//	polaris        a resolver built by the driver's polaris scheme (its
//	               default refresh interval, 100 ms), reporting to a
//	               dtmdrivertest.Recorder
//	polaris-floor  the server's naming cache itself, read through the HTTP
//	               discovery API every 20 ms: no client can see a change sooner
//	               (the cache reloads every second)
//	polaris-go     polaris-go v1.6.1's consumer cache with its default refresh
//	               (2 s), what the driver resolved through before, read locally
//	               every 10 ms
//
// Every service also holds an anchor instance, so that polaris-go knows it
// before the trial. The instances have no health check, so no TTL is involved.
//
// Then the load: loadServices services resolved by the driver, then watched
// by a polaris-go consumer, each for loadWindow without changes: the Discover
// requests per second and per service (counted in the server's API log) and
// the server's CPU time per second and per service beyond its idle CPU
// (measured first, without clients).
func BenchmarkPropagation(b *testing.B) {
	srv := start(b)
	idle := measureLoad(b, srv, nil)
	b.Run("load/driver", once(func(b *testing.B) func(*testing.B) { return loadDriver(b, srv, idle) }))
	b.Run("load/polaris-go", once(func(b *testing.B) func(*testing.B) { return loadPolarisGo(b, srv, idle) }))

	sdk, err := provider.NewSDK(srv.GRPCAddr(), b.TempDir(), "", 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(sdk.Destroy)
	consumer := api.NewConsumerAPIByContext(sdk)
	var mu sync.Mutex
	var reg, dereg [len(observers)][]time.Duration
	var wg sync.WaitGroup
	for i := range propagationTrials {
		wg.Go(func() {
			up, down, err := trial(b, srv, consumer, i)
			if err != nil {
				b.Error(err)
				return
			}
			mu.Lock()
			for k := range observers {
				reg[k], dereg[k] = append(reg[k], up[k]), append(dereg[k], down[k])
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	if b.Failed() {
		return
	}
	for k, name := range observers {
		b.Run(name+"/register", func(b *testing.B) { benchkit.ReportLatency(b, reg[k]) })
		b.Run(name+"/deregister", func(b *testing.B) { benchkit.ReportLatency(b, dereg[k]) })
	}
}

func trial(b *testing.B, srv *polaristest.Server, consumer api.ConsumerAPI, i int) (up, down [len(observers)]time.Duration, err error) {
	service := fmt.Sprintf("bench-prop-%d", i)
	anchor, err := srv.Register(service, fmt.Sprintf("127.0.0.1:%d", 19000+i))
	if err != nil {
		return up, down, err
	}
	defer anchor()
	addr := fmt.Sprintf("127.0.0.1:%d", 20000+i)
	rec := dtmdrivertest.NewRecorder()
	r, err := resolver.Get("polaris").Build(resolver.Target{URL: url.URL{Scheme: "polaris", Host: service}}, rec, resolver.BuildOptions{})
	if err != nil {
		return up, down, err
	}
	defer r.Close()
	// Both clients know the service (its anchor) before the trial.
	if _, ok := rec.Await(0, 30*time.Second, func(a []string) bool { return len(a) > 0 }); !ok {
		return up, down, fmt.Errorf("%s: the driver did not resolve the anchor within 30 s", service)
	}
	local := func() ([]string, error) { return polarisGoView(consumer, service) }
	if _, err := waitList(b.Context(), local, 30*time.Second, pollLocal, func(a []string) bool { return len(a) > 0 }); err != nil {
		return up, down, fmt.Errorf("%s: polaris-go: %w", service, err)
	}
	floor := func() ([]string, error) { return srv.List(b.Context(), service) }

	// Spread the trials (a deliberate offset, not a wait for a condition).
	time.Sleep(rand.N(2 * time.Second))
	withdraw, err := srv.Register(service, addr)
	if err != nil {
		return up, down, err
	}
	up, err = observe(b.Context(), rec, floor, local, benchkit.Has(addr, true))
	if err != nil {
		withdraw()
		return up, down, fmt.Errorf("%s: registration: %w", service, err)
	}
	time.Sleep(rand.N(2 * time.Second))
	down, err = observe(b.Context(), rec, floor, local, benchkit.Has(addr, false), withdraw)
	if err != nil {
		return up, down, fmt.Errorf("%s: withdrawal: %w", service, err)
	}
	return up, down, nil
}

// observe times, from now (or from running act, if given), how long each
// observer takes to see cond hold: the driver's resolver (rec), the server's
// cache (floor) and polaris-go's cache (local).
func observe(ctx context.Context, rec *dtmdrivertest.Recorder, floor, local func() ([]string, error), cond func([]string) bool, act ...func()) (took [len(observers)]time.Duration, err error) {
	const limit = 30 * time.Second
	from := rec.Len()
	start := time.Now()
	for _, f := range act {
		f()
	}
	var wg sync.WaitGroup
	var errs [len(observers)]error
	wg.Go(func() {
		at, ok := rec.Await(from, limit, cond)
		if !ok {
			errs[0] = fmt.Errorf("the driver's resolver: not within %v", limit)
		}
		took[0] = at.Sub(start)
	})
	for k, list := range map[int]func() ([]string, error){1: floor, 2: local} {
		period := floorPoll
		if k == 2 {
			period = pollLocal
		}
		wg.Go(func() {
			at, err := waitList(ctx, list, limit, period, cond)
			if err != nil {
				errs[k] = fmt.Errorf("%s: %w", observers[k], err)
			}
			took[k] = at.Sub(start)
		})
	}
	wg.Wait()
	for _, e := range errs {
		if e != nil {
			return took, e
		}
	}
	return took, nil
}

// waitList calls list every period until cond holds on its answer, and returns
// when it saw that.
func waitList(ctx context.Context, list func() ([]string, error), limit, period time.Duration, cond func([]string) bool) (time.Time, error) {
	deadline := time.Now().Add(limit)
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		addrs, err := list()
		if err == nil && cond(addrs) {
			return time.Now(), nil
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("not within %v (last error: %v)", limit, err)
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-t.C:
		}
	}
}

// polarisGoView returns the healthy, non-isolated instances of service in
// polaris-go's local cache, as the driver's former resolver read them.
func polarisGoView(consumer api.ConsumerAPI, service string) ([]string, error) {
	resp, err := consumer.GetAllInstances(&api.GetAllInstancesRequest{
		GetAllInstancesRequest: model.GetAllInstancesRequest{Namespace: polaristest.Namespace, Service: service},
	})
	if err != nil {
		return nil, err
	}
	var addrs []string
	for _, in := range resp.GetInstances() {
		if in.IsHealthy() && !in.IsIsolated() {
			addrs = append(addrs, net.JoinHostPort(in.GetHost(), strconv.Itoa(int(in.GetPort()))))
		}
	}
	slices.Sort(addrs)
	return addrs, nil
}

// load is what one measurement window saw on the server.
type load struct {
	requests int           // Discover requests for the measured services
	cpu      time.Duration // the server's CPU time
	window   time.Duration
}

// measureLoad counts, over loadWindow, the server's CPU time and the Discover
// requests for services.
func measureLoad(b *testing.B, srv *polaristest.Server, services []string) load {
	b.Helper()
	count := func() int {
		if len(services) == 0 {
			return 0
		}
		c, err := srv.DiscoverRequests(services...)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, v := range c {
			n += v
		}
		return n
	}
	cpu := func() time.Duration {
		t, err := srv.CPUTime()
		if err != nil {
			b.Fatal(err)
		}
		return t
	}
	n0, c0, t0 := count(), cpu(), time.Now()
	// A fixed measurement window, not a wait for a condition.
	time.Sleep(loadWindow)
	c1, t1 := cpu(), time.Now()
	// The log is written as requests arrive: count after the window, but the
	// requests of the window only (give the last lines a moment).
	time.Sleep(50 * time.Millisecond)
	return load{requests: count() - n0, cpu: c1 - c0, window: t1.Sub(t0)}
}

// report reports l per second and per service, the server's CPU beyond idle.
func (l load) report(b *testing.B, idle load, services int) {
	b.ReportMetric(0, "ns/op")
	perSec := l.window.Seconds()
	b.ReportMetric(float64(l.requests)/perSec/float64(services), "req/s/service")
	extra := l.cpu.Seconds()/perSec - idle.cpu.Seconds()/idle.window.Seconds()
	b.ReportMetric(extra*1000/float64(services), "server-cpu-ms/s/service")
	b.ReportMetric(l.cpu.Seconds()*1000/perSec, "server-cpu-ms/s")
	b.ReportMetric(idle.cpu.Seconds()*1000/idle.window.Seconds(), "idle-server-cpu-ms/s")
	b.ReportMetric(float64(services), "services")
}

func loadNames(kind string) []string {
	names := make([]string, loadServices)
	for i := range names {
		names[i] = fmt.Sprintf("bench-load-%s-%d", kind, i)
	}
	return names
}

// loadDriver resolves loadServices services (one instance each) with the
// driver's resolvers and measures the server's load.
func loadDriver(b *testing.B, srv *polaristest.Server, idle load) func(*testing.B) {
	names := loadNames("driver")
	for i, name := range names {
		srv.Publish(b, name, fmt.Sprintf("127.0.0.1:%d", 21000+i))
	}
	var rs []resolver.Resolver
	for _, name := range names {
		rec := dtmdrivertest.NewRecorder()
		r, err := resolver.Get("polaris").Build(resolver.Target{URL: url.URL{Scheme: "polaris", Host: name}}, rec, resolver.BuildOptions{})
		if err != nil {
			b.Fatal(err)
		}
		rs = append(rs, r)
		if _, ok := rec.Await(0, 30*time.Second, func(a []string) bool { return len(a) > 0 }); !ok {
			b.Fatalf("%s not resolved within 30 s", name)
		}
	}
	l := measureLoad(b, srv, names)
	for _, r := range rs {
		r.Close()
	}
	return func(b *testing.B) { l.report(b, idle, len(names)) }
}

// loadPolarisGo watches loadServices services with a polaris-go consumer (its
// default refresh) and measures the server's load.
func loadPolarisGo(b *testing.B, srv *polaristest.Server, idle load) func(*testing.B) {
	names := loadNames("polarisgo")
	for i, name := range names {
		srv.Publish(b, name, fmt.Sprintf("127.0.0.1:%d", 22000+i))
	}
	sdk, err := provider.NewSDK(srv.GRPCAddr(), b.TempDir(), "", 0)
	if err != nil {
		b.Fatal(err)
	}
	defer sdk.Destroy()
	consumer := api.NewConsumerAPIByContext(sdk)
	for _, name := range names {
		list := func() ([]string, error) { return polarisGoView(consumer, name) }
		if _, err := waitList(b.Context(), list, 30*time.Second, pollLocal, func(a []string) bool { return len(a) > 0 }); err != nil {
			b.Fatalf("%s: polaris-go: %v", name, err)
		}
	}
	l := measureLoad(b, srv, names)
	return func(b *testing.B) { l.report(b, idle, len(names)) }
}

// once runs measure the first time the benchmark function is called and only
// reports its figures when the testing package calls it again.
func once(measure func(b *testing.B) func(b *testing.B)) func(b *testing.B) {
	var report func(b *testing.B)
	return func(b *testing.B) {
		if report == nil {
			report = measure(b)
		}
		report(b)
	}
}
