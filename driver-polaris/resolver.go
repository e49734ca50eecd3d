package polaris

import (
	"context"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver/weighted"
	"github.com/polarismesh/polaris-go/pkg/model"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/serviceconfig"
)

// balanced spreads calls over every instance in proportion to its Polaris
// weight; with equal weights, the default (100), it is gRPC's round robin.
// gRPC's default would pick the first.
const balanced = weighted.ServiceConfig

// retryRefresh is how soon a resolver asks again after a failure to reach the
// server; between answers it asks every RefreshInterval (see discover.go).
const retryRefresh = time.Second

var registerOnce sync.Once

func registerResolver(d *driver) { registerOnce.Do(func() { resolver.Register(&builder{d: d}) }) }

// NewBuilder returns a resolver builder for the "polaris" scheme that uses the
// registered driver and its configuration, for a client that passes it to
// grpc.WithResolvers instead of calling dtmdriver.Use.
func NewBuilder() resolver.Builder { return &builder{d: std} }

// builder resolves "polaris://service?namespace=ns" and grpc-go-polaris'
// "polaris://service?options=…" through the driver's polaris-go SDK contexts.
type builder struct{ d *driver }

func (*builder) Scheme() string { return Scheme }

func (b *builder) Build(target resolver.Target, cc resolver.ClientConn, _ resolver.BuildOptions) (resolver.Resolver, error) {
	t, err := parseTarget(target.URL)
	if err != nil {
		return nil, err
	}
	r := &polarisResolver{
		d:      b.d,
		cc:     cc,
		target: t,
		disc:   discoverer{key: model.ServiceKey{Namespace: t.namespace, Service: t.service}},
		sc:     cc.ParseServiceConfig(balanced),
		notify: make(chan struct{}, 1),
		quit:   make(chan struct{}),
		done:   make(chan struct{}),
		log:    b.d.log.With("namespace", t.namespace, "service", t.service),
	}
	go r.run()
	return r, nil
}

// polarisResolver polls one service and pushes its healthy, non-isolated
// instances that carry the wanted metadata to gRPC.
type polarisResolver struct {
	d      *driver
	cc     resolver.ClientConn
	target serviceTarget
	sc     *serviceconfig.ParseResult
	log    *slog.Logger

	notify   chan struct{} // a change or ResolveNow
	quit     chan struct{}
	done     chan struct{}
	stopOnce sync.Once

	// Owned by run.
	sdk      *sdk
	disc     discoverer
	last     []instance
	reported bool   // an address list went to gRPC
	lastErr  string // the last error logged, to log each once
}

func (r *polarisResolver) ResolveNow(resolver.ResolveNowOptions) {
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

// Close stops the watch of this resolver only.
func (r *polarisResolver) Close() { r.stop() }

func (r *polarisResolver) stop() {
	r.stopOnce.Do(func() { close(r.quit) })
	<-r.done
}

func (r *polarisResolver) run() {
	defer close(r.done)
	defer func() {
		r.disc.close()
		if r.sdk != nil {
			r.sdk.removeResolver(r)
		}
	}()
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for {
		wait := r.d.refreshInterval()
		if !r.resolve() {
			wait = retryRefresh
		}
		timer.Reset(wait)
		select {
		case <-r.quit:
			return
		case <-r.notify:
			timer.Stop() // Go >= 1.23: Reset after Stop delivers no stale tick
		case <-timer.C:
		}
	}
}

// resolve reads the service once and reports a change; it returns false when
// the server could not be reached, to be retried after retryRefresh.
func (r *polarisResolver) resolve() bool {
	if r.sdk == nil {
		sc, err := r.d.server()
		if err != nil {
			r.fail(err)
			return false
		}
		s, err := r.d.sdkFor(sc)
		if err != nil {
			r.fail(err)
			return false
		}
		if !s.addResolver(r) {
			return false // the driver closed it meanwhile
		}
		r.sdk = s
	}
	instances, changed, err := r.fetch()
	if err != nil {
		return false
	}
	if !changed {
		return true
	}
	addrs := r.usable(instances)
	r.lastErr = ""
	if r.reported && slices.Equal(addrs, r.last) {
		return true
	}
	state := resolver.State{ServiceConfig: r.sc, Endpoints: endpoints(addrs)}
	if len(addrs) == 0 {
		r.log.Warn("polaris: no healthy, non-isolated instance with the wanted metadata")
	}
	if err := r.cc.UpdateState(state); err != nil && len(addrs) > 0 {
		r.log.Warn("polaris: gRPC refused the addresses", "err", err)
	}
	r.last, r.reported = addrs, true
	return true
}

// instance is an address calls may go to, with its Polaris weight.
type instance struct {
	addr   string
	weight uint32
}

// usable returns the instances calls may go to, sorted by address, one per
// address (an address listed twice keeps its first weight).
func (r *polarisResolver) usable(instances []model.Instance) []instance {
	addrs := make([]instance, 0, len(instances))
	for _, in := range instances {
		if !in.IsHealthy() || in.IsIsolated() {
			continue
		}
		if !hasMetadata(in.GetMetadata(), r.target.metadata) {
			continue
		}
		addrs = append(addrs, instance{
			addr:   net.JoinHostPort(in.GetHost(), strconv.Itoa(int(in.GetPort()))),
			weight: uint32(max(in.GetWeight(), 0)),
		})
	}
	slices.SortStableFunc(addrs, func(a, b instance) int { return strings.Compare(a.addr, b.addr) })
	return slices.CompactFunc(addrs, func(a, b instance) bool { return a.addr == b.addr })
}

// endpoints turns instances into gRPC endpoints carrying their weights for
// the dtm_weighted_round_robin policy (which counts a weight of 0 as 1: an
// instance at weight 0 still gets calls; isolate it to take it out).
func endpoints(addrs []instance) []resolver.Endpoint {
	eps := make([]resolver.Endpoint, len(addrs))
	for i, a := range addrs {
		eps[i] = weighted.SetWeight(resolver.Endpoint{Addresses: []resolver.Address{{Addr: a.addr}}}, a.weight)
	}
	return eps
}

func hasMetadata(have, want map[string]string) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}

func (r *polarisResolver) fail(err error) {
	r.logOnce(slog.LevelError, "polaris: cannot resolve", err)
	r.cc.ReportError(err)
}

func (r *polarisResolver) logOnce(level slog.Level, msg string, err error) {
	if s := err.Error(); s != r.lastErr {
		r.lastErr = s
		r.log.Log(context.Background(), level, msg, "err", err)
	}
}
