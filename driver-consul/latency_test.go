package consul

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/consultest"
	"github.com/hashicorp/consul/api"
	"google.golang.org/grpc/resolver"
)

// LatencyEnv turns on TestPropagationLatency, which takes about four minutes.
const latencyEnv = "DTMDRIVERS_CONSUL_LATENCY"

// poll is the polling baseline: a passing-only health query every period,
// with no index, as a resolver without blocking queries would make.
func poll(ctx context.Context, c *api.Client, service string, period time.Duration, rec *dtmdrivertest.Recorder) {
	tick := time.NewTicker(period)
	defer tick.Stop()
	var last []instance
	for {
		entries, _, err := c.Health().Service(service, "", true, (&api.QueryOptions{}).WithContext(ctx))
		if err == nil {
			addrs := addresses(entries, 0)
			if !slices.Equal(addrs, last) {
				_ = rec.UpdateState(resolver.State{Addresses: resolverAddrs(addrs)})
				last = addrs
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// TestPropagationLatency times, over many trials, how long a registration and
// a check going critical take to reach the resolver, for this driver's
// blocking-query watch and for a poller. Set DTMDRIVERS_CONSUL_LATENCY=1 (and
// optionally DTMDRIVERS_CONSUL_LATENCY_TRIALS, _POLL).
func TestPropagationLatency(t *testing.T) {
	if os.Getenv(latencyEnv) == "" {
		t.Skipf("set %s=1 to measure propagation latency (about four minutes)", latencyEnv)
	}
	trials := 100
	if n, err := strconv.Atoi(os.Getenv(latencyEnv + "_TRIALS")); err == nil && n > 0 {
		trials = n
	}
	period := time.Second
	if d, err := time.ParseDuration(os.Getenv(latencyEnv + "_POLL")); err == nil && d > 0 {
		period = d
	}
	captureLogs(t)
	a := consultest.Start(t)
	c := newAPI(t, a, "")
	const service = "latency"

	watched := dtmdrivertest.NewRecorder()
	dtmdrivertest.BuildResolver(t, NewBuilder(), "consul://"+a.Addr()+"/"+service, watched)
	polled := dtmdrivertest.NewRecorder()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go poll(ctx, c, service, period, polled)

	var watchReg, watchCrit, pollReg, pollCrit []time.Duration
	for i := range trials {
		id := fmt.Sprintf("lat-%d", i)
		port := 20000 + i
		addr := "127.0.0.1:" + strconv.Itoa(port)
		// Trials would otherwise start in step with the poller's ticker: give
		// each a random phase (a deliberate offset, not a wait for a condition).
		phase := time.NewTimer(rand.N(period))
		<-phase.C
		fw, fp, start := watched.Len(), polled.Len(), time.Now()
		err := c.Agent().ServiceRegister(&api.AgentServiceRegistration{
			ID: id, Name: service, Address: "127.0.0.1", Port: port,
			Check: &api.AgentServiceCheck{CheckID: id, TTL: "10m", Status: api.HealthPassing},
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []struct {
			rec  *dtmdrivertest.Recorder
			from int
			out  *[]time.Duration
		}{{watched, fw, &watchReg}, {polled, fp, &pollReg}} {
			at, ok := m.rec.Await(m.from, 10*period+10*time.Second, func(a []string) bool { return slices.Contains(a, addr) == true })
			if !ok {
				t.Fatalf("no update with %s present=true", addr)
			}
			*m.out = append(*m.out, at.Sub(start))
		}
		phase.Reset(rand.N(period))
		<-phase.C
		fw, fp, start = watched.Len(), polled.Len(), time.Now()
		if err := c.Agent().FailTTL(id, "latency trial"); err != nil {
			t.Fatal(err)
		}
		for _, m := range []struct {
			rec  *dtmdrivertest.Recorder
			from int
			out  *[]time.Duration
		}{{watched, fw, &watchCrit}, {polled, fp, &pollCrit}} {
			at, ok := m.rec.Await(m.from, 10*period+10*time.Second, func(a []string) bool { return slices.Contains(a, addr) == false })
			if !ok {
				t.Fatalf("no update with %s present=false", addr)
			}
			*m.out = append(*m.out, at.Sub(start))
		}
		if err := c.Agent().ServiceDeregister(id); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []struct {
		name string
		d    []time.Duration
	}{
		{"watch  registration", watchReg}, {"watch  critical", watchCrit},
		{fmt.Sprintf("poll %v registration", period), pollReg}, {fmt.Sprintf("poll %v critical", period), pollCrit},
	} {
		p50, p99 := percentile(s.d, 50), percentile(s.d, 99)
		t.Logf("%-24s n=%d p50=%v p99=%v max=%v", s.name, len(s.d), p50, p99, percentile(s.d, 100))
	}
}

func percentile(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p+99)/100 - 1
	return s[max(0, min(i, len(s)-1))].Round(10 * time.Microsecond)
}

func resolverAddrs(addrs []instance) []resolver.Address {
	out := make([]resolver.Address, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, resolver.Address{Addr: a.addr})
	}
	return out
}
