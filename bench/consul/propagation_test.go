package consul

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"
	"github.com/dtmdrivers/drivers/testenv/consultest"
	"github.com/hashicorp/consul/api"
	"google.golang.org/grpc/resolver"
)

const (
	// propagationTrials is the number of trials of BenchmarkPropagation; each
	// takes about two seconds, most of it the poller's period.
	propagationTrials = 20
	pollPeriod        = time.Second
)

// BenchmarkPropagation times, over propagationTrials trials, a service
// registration on the Consul agent (passing from the start) to the update of a
// resolver built by the driver's consul scheme, and its deregistration to the
// update that drops it; and the same events seen by a baseline that polls the
// passing instances every second without blocking queries. Each event comes at
// a random phase of the poller's period. The resolvers report to
// benchkit.Recorders, stand-ins for gRPC's ClientConn; the agent is real.
func BenchmarkPropagation(b *testing.B) {
	a := consultest.Start(b)
	cfg := api.DefaultConfig()
	cfg.Address, cfg.Token, cfg.TokenFile = a.Addr(), "", ""
	c, err := api.NewClient(cfg)
	if err != nil {
		b.Fatal(err)
	}
	const service = "bench-prop"
	watched := benchkit.NewRecorder()
	u, _ := url.Parse("consul://" + a.Addr() + "/" + service)
	r, err := resolver.Get("consul").Build(resolver.Target{URL: *u}, watched, resolver.BuildOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(r.Close)
	polled := benchkit.NewRecorder()
	ctx, cancel := context.WithCancel(b.Context())
	defer cancel()
	go poll(ctx, c, service, polled)

	var reg, dereg [2][]time.Duration // [0] the driver, [1] the poller
	recs := [2]*benchkit.Recorder{watched, polled}
	for i := range propagationTrials {
		id := fmt.Sprintf("prop-%d", i)
		port := 20000 + i
		addr := "127.0.0.1:" + strconv.Itoa(port)
		phase(pollPeriod)
		from := [2]int{watched.Len(), polled.Len()}
		start := time.Now()
		err := c.Agent().ServiceRegister(&api.AgentServiceRegistration{
			ID: id, Name: service, Address: "127.0.0.1", Port: port,
			Check: &api.AgentServiceCheck{CheckID: id, TTL: "10m", Status: api.HealthPassing},
		})
		if err != nil {
			b.Fatal(err)
		}
		for k, rec := range recs {
			at, ok := rec.Await(from[k], 10*pollPeriod, benchkit.Has(addr, true))
			if !ok {
				b.Fatalf("trial %d: %s not resolved (%d)", i, addr, k)
			}
			reg[k] = append(reg[k], at.Sub(start))
		}
		phase(pollPeriod)
		from = [2]int{watched.Len(), polled.Len()}
		start = time.Now()
		if err := c.Agent().ServiceDeregister(id); err != nil {
			b.Fatal(err)
		}
		for k, rec := range recs {
			at, ok := rec.Await(from[k], 10*pollPeriod, benchkit.Has(addr, false))
			if !ok {
				b.Fatalf("trial %d: %s not dropped (%d)", i, addr, k)
			}
			dereg[k] = append(dereg[k], at.Sub(start))
		}
	}
	b.Run("consul/register", func(b *testing.B) { benchkit.ReportLatency(b, reg[0]) })
	b.Run("consul/deregister", func(b *testing.B) { benchkit.ReportLatency(b, dereg[0]) })
	b.Run("consul-poll-1s/register", func(b *testing.B) { benchkit.ReportLatency(b, reg[1]) })
	b.Run("consul-poll-1s/deregister", func(b *testing.B) { benchkit.ReportLatency(b, dereg[1]) })
}

// phase waits a random part of period, so that events do not come in step
// with the poller's ticker (a deliberate offset, not a wait for a condition).
func phase(period time.Duration) {
	t := time.NewTimer(rand.N(period))
	<-t.C
}

// poll is the baseline: the passing instances of service, read every
// pollPeriod with no blocking query, as a resolver that polls would read them.
func poll(ctx context.Context, c *api.Client, service string, rec *benchkit.Recorder) {
	tick := time.NewTicker(pollPeriod)
	defer tick.Stop()
	var last []string
	first := true
	for {
		entries, _, err := c.Health().Service(service, "", true, (&api.QueryOptions{}).WithContext(ctx))
		if err == nil {
			var addrs []string
			for _, e := range entries {
				addrs = append(addrs, e.Service.Address+":"+strconv.Itoa(e.Service.Port))
			}
			slices.Sort(addrs)
			if first || !slices.Equal(addrs, last) {
				state := resolver.State{}
				for _, a := range addrs {
					state.Addresses = append(state.Addresses, resolver.Address{Addr: a})
				}
				_ = rec.UpdateState(state)
				last, first = addrs, false
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
