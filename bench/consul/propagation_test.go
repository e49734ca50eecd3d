package consul

import (
	"context"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/consultest"
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
// dtmdrivertest.Recorders, stand-ins for gRPC's ClientConn; the agent is real.
func BenchmarkPropagation(b *testing.B) {
	a := consultest.Start(b)
	const service = "bench-prop"
	watched := dtmdrivertest.NewRecorder()
	dtmdrivertest.BuildResolver(b, resolver.Get("consul"), "consul://"+a.Addr()+"/"+service, watched)
	polled := dtmdrivertest.NewRecorder()
	ctx, cancel := context.WithCancel(b.Context())
	defer cancel()
	go poll(ctx, a, service, polled)

	var reg, dereg [2][]time.Duration // [0] the driver, [1] the poller
	recs := [2]*dtmdrivertest.Recorder{watched, polled}
	for i := range propagationTrials {
		port := 20000 + i
		addr := "127.0.0.1:" + strconv.Itoa(port)
		phase(pollPeriod)
		from := [2]int{watched.Len(), polled.Len()}
		start := time.Now()
		withdraw, err := a.Register(service, addr) // passing from the start
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
		withdraw() // the deregistration
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
func poll(ctx context.Context, a *consultest.Agent, service string, rec *dtmdrivertest.Recorder) {
	tick := time.NewTicker(pollPeriod)
	defer tick.Stop()
	var last []string
	first := true
	for {
		addrs, err := a.List(ctx, service)
		if err == nil {
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
