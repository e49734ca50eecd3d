package consul

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/weighted"
	"github.com/hashicorp/consul/api"
	"google.golang.org/grpc/resolver"
)

// balanced spreads calls over every passing instance in proportion to its
// Consul weight (see instanceWeight); with equal weights, the default, it is
// gRPC's round robin. gRPC's default would pick the first.
const balanced = weighted.ServiceConfig

// pickFirst is the policy while no instance passes (see push).
const pickFirst = `{"loadBalancingConfig":[{"pick_first":{}}]}`

var registerOnce sync.Once

func registerResolver(d *driver) {
	registerOnce.Do(func() { resolver.Register(&builder{drv: d}) })
}

// Option configures a builder made by [NewBuilder].
type Option func(*builder)

// WithToken sets the ACL token the builder's resolvers send to every agent
// they query. It overrides CONSUL_HTTP_TOKEN and CONSUL_HTTP_TOKEN_FILE.
func WithToken(token string) Option { return func(b *builder) { b.token = token } }

// WithConfig lets f adjust the Consul API configuration of each resolver after
// the driver has filled it from the environment and the branch server: TLS
// settings, an HTTP transport, a namespace. f runs once per resolver, in Build.
// The agent address from the branch server is already in cfg.Address.
func WithConfig(f func(cfg *api.Config)) Option {
	return func(b *builder) { b.configure = append(b.configure, f) }
}

// WithLogger sets the logger of the builder's resolvers. The default is
// slog.Default().
func WithLogger(l *slog.Logger) Option { return func(b *builder) { b.logger = l } }

// NewBuilder returns a resolver builder for the "consul" scheme, for a client
// app that passes it to grpc.WithResolvers instead of relying on the one
// dtmdriver.Use registers. Without options it takes its agent settings and
// token from the environment, as the Consul CLI does.
func NewBuilder(opts ...Option) resolver.Builder {
	b := &builder{}
	for _, o := range opts {
		o(b)
	}
	return b
}

// builder starts a watch on Consul's health endpoint per gRPC target.
type builder struct {
	drv       *driver // the registered driver, or nil for NewBuilder's
	token     string
	configure []func(*api.Config)
	logger    *slog.Logger
}

func (*builder) Scheme() string { return Scheme }

// target describes what a resolver watches.
type target struct {
	server
	opts resolveOptions
}

// parseTarget checks a gRPC target built from a branch server.
func parseTarget(u *url.URL) (target, error) {
	display := dtmdriver.Quote(u.String())
	if u.Scheme != Scheme {
		return target{}, fmt.Errorf("consul resolver: target %s: scheme is not %s", display, Scheme)
	}
	if u.User != nil {
		return target{}, fmt.Errorf("consul resolver: target %s: credentials do not belong in the target; "+
			"the ACL token comes from the configuration", display)
	}
	service := strings.TrimPrefix(u.Path, "/")
	s := server{agent: u.Host, service: service, query: u.RawQuery}
	var reason string
	switch {
	case service == "":
		reason = "no Consul service name after the agent address"
	case strings.IndexByte(service, '/') >= 0:
		reason = "the Consul service name " + dtmdriver.Quote(service) + " contains '/'"
	case s.agent != "" && !dtmdriver.IsHostPort(s.agent):
		reason = "the agent address " + dtmdriver.Quote(s.agent) + " is not host:port"
	}
	if reason != "" {
		return target{}, fmt.Errorf("consul resolver: target %s: %s", display, reason)
	}
	opts, reason := parseResolveOptions(u.RawQuery)
	if reason != "" {
		return target{}, fmt.Errorf("consul resolver: target %s: %s", display, reason)
	}
	return target{server: s, opts: opts}, nil
}

// apiConfig makes the Consul API configuration for an agent named in a
// branch server ("" for the configured one).
//
// Precedence for the address: the branch server, else the registration
// target, else CONSUL_HTTP_ADDR, else localhost:8500. For the token: the
// builder's WithToken, else the registration target's token when the agent is
// the registration target's, else CONSUL_HTTP_TOKEN / CONSUL_HTTP_TOKEN_FILE.
func (b *builder) apiConfig(agent string) *api.Config {
	cfg := api.DefaultConfig()
	if scheme, _, ok := strings.Cut(cfg.Address, "://"); ok && scheme == "https" {
		cfg.Scheme = "https"
	}
	var reg *agentConf
	if b.drv != nil {
		reg = b.drv.configuredAgent()
	}
	switch {
	case agent != "":
		cfg.Address = agent
	case reg != nil:
		cfg.Address = reg.addr
	}
	switch {
	case b.token != "":
		cfg.Token, cfg.TokenFile = b.token, ""
	case reg != nil && reg.token != "" && cfg.Address == reg.addr:
		cfg.Token, cfg.TokenFile = reg.token, ""
	}
	for _, f := range b.configure {
		f(cfg)
	}
	return cfg
}

// Build starts watching the service. It does not wait for the first answer:
// gRPC holds calls until the resolver reports addresses or an error.
func (b *builder) Build(t resolver.Target, cc resolver.ClientConn, _ resolver.BuildOptions) (resolver.Resolver, error) {
	tgt, err := parseTarget(&t.URL)
	if err != nil {
		return nil, err
	}
	cfg := b.apiConfig(tgt.agent)
	client, err := api.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("consul resolver: service %s: consul API client: %w", dtmdriver.Quote(tgt.service), err)
	}
	log := b.logger
	if log == nil {
		log = logger()
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &consulResolver{
		cc:        cc,
		tgt:       tgt,
		agent:     cfg.Address,
		health:    client.Health(),
		transport: cfg.Transport,
		hasToken:  cfg.Token != "" || cfg.TokenFile != "",
		log:       log.With("service", tgt.service, "agent", cfg.Address),
		cancel:    cancel,
		done:      make(chan struct{}),
	}
	go r.watch(ctx)
	return r, nil
}

// consulResolver follows one service with blocking queries on the health
// endpoint and pushes every change of its address list to gRPC.
type consulResolver struct {
	cc        resolver.ClientConn
	tgt       target
	agent     string
	health    *api.Health
	transport *http.Transport
	log       *slog.Logger
	hasToken  bool
	cancel    context.CancelFunc
	done      chan struct{}
}

// ResolveNow does nothing: the watch is always running, and its back-off
// after errors is not to be cut short by gRPC's reconnect attempts.
func (*consulResolver) ResolveNow(resolver.ResolveNowOptions) {}

// Close stops the watch, waits for it and drops its idle connections.
func (r *consulResolver) Close() {
	r.cancel()
	<-r.done
	if r.transport != nil {
		r.transport.CloseIdleConnections()
	}
}

// requestMargin bounds a blocking query beyond its wait time (Consul adds up
// to wait/16 of jitter), so that a connection that hangs is abandoned.
const requestMargin = 10 * time.Second

func (r *consulResolver) watch(ctx context.Context) {
	defer close(r.done)
	var (
		index   uint64
		last    []instance
		pushed  bool // an address list has reached gRPC
		failing bool // the last query failed
		backoff = minBackoff
	)
	o := r.tgt.opts
	for {
		reqCtx, cancel := context.WithTimeout(ctx, o.wait+o.wait/16+requestMargin)
		q := (&api.QueryOptions{
			WaitIndex:         index,
			WaitTime:          o.wait,
			Datacenter:        o.dc,
			Near:              o.near,
			AllowStale:        o.allowStale,
			RequireConsistent: o.requireConsistent,
		}).WithContext(reqCtx)
		entries, meta, err := r.health.ServiceMultipleTags(r.tgt.service, o.tags, o.passingOnly, q)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			err = r.explain(err)
			if !failing {
				r.log.Warn("consul resolver: query failed; keeping the last known addresses, retrying with back-off",
					"error", err, "addresses", len(last))
			} else {
				r.log.Debug("consul resolver: query failed again", "error", err, "backoff", backoff)
			}
			failing = true
			// The agent may have restarted with a lower index: a blocking
			// query on the old one would miss changes until it passed it.
			index = 0
			if !pushed {
				r.cc.ReportError(err)
			}
			if !sleep(ctx, backoff) {
				return
			}
			backoff = min(2*backoff, o.maxBackoff)
			continue
		}
		if failing {
			r.log.Info("consul resolver: queries succeed again")
			failing = false
		}
		backoff = minBackoff
		// Consul's rules for blocking queries: an index that goes backwards (the
		// agent lost its state, say after a restart) starts over from 0, and
		// the index is at least 1.
		switch {
		case meta.LastIndex < index:
			index = 0
		case meta.LastIndex == 0:
			index = 1
		default:
			index = meta.LastIndex
		}
		addrs := addresses(entries, o.limit)
		if pushed && slices.Equal(addrs, last) {
			continue
		}
		last, pushed = addrs, true
		r.push(addrs, meta.ResultsFilteredByACLs)
	}
}

func (r *consulResolver) push(addrs []instance, filtered bool) {
	if len(addrs) > 0 {
		state := resolver.State{
			Endpoints:     make([]resolver.Endpoint, len(addrs)),
			ServiceConfig: r.cc.ParseServiceConfig(balanced),
		}
		for i, a := range addrs {
			state.Endpoints[i] = weighted.SetWeight(resolver.Endpoint{Addresses: []resolver.Address{{Addr: a.addr}}}, a.weight)
		}
		r.log.Debug("consul resolver: addresses", "addresses", addrs)
		_ = r.cc.UpdateState(state)
		return
	}
	// No instance: gRPC must drop the old ones and fail calls (or hold
	// WaitForReady ones) until one passes again. pick_first, unlike
	// round_robin, reports the resolver's error to failing calls, so that the
	// reason reaches dtm's log.
	var why string
	switch {
	case filtered:
		why = "the agent's ACLs filtered the answer: the ACL token lacks service:read"
	case !r.hasToken:
		why = "no instance passes its health checks, or the agent enforces ACLs and no ACL token was sent"
	default:
		why = "no instance passes its health checks, or the ACL token lacks service:read"
	}
	err := fmt.Errorf("consul resolver: service %s on %s: %s (tokens come from dtm's registration target, "+
		"CONSUL_HTTP_TOKEN or consul.WithToken)", dtmdriver.Quote(r.tgt.service), dtmdriver.Quote(r.agent), why)
	r.log.Warn(err.Error())
	_ = r.cc.UpdateState(resolver.State{ServiceConfig: r.cc.ParseServiceConfig(pickFirst)})
	r.cc.ReportError(err)
}

// explain wraps a query error with the service, and with a hint for ACL
// refusals. Neither the token nor the request's headers are in it.
func (r *consulResolver) explain(err error) error {
	var se api.StatusError
	if errors.As(err, &se) && se.Code == http.StatusForbidden {
		return fmt.Errorf("consul resolver: service %s on %s: the agent refused the ACL token "+
			"(set it in dtm's registration target, CONSUL_HTTP_TOKEN or consul.WithToken): %w", dtmdriver.Quote(r.tgt.service), dtmdriver.Quote(r.agent), err)
	}
	return fmt.Errorf("consul resolver: service %s on %s: %w", dtmdriver.Quote(r.tgt.service), dtmdriver.Quote(r.agent), err)
}

// instance is an address calls may go to, with its weight.
type instance struct {
	addr   string
	weight uint32
}

// String is for the debug log.
func (in instance) String() string {
	return in.addr + " weight " + strconv.FormatUint(uint64(in.weight), 10)
}

// addresses turns health entries into a list of instances sorted by address,
// one per address, at most limit long when limit > 0. An address listed twice
// keeps its first weight.
func addresses(entries []*api.ServiceEntry, limit int) []instance {
	addrs := make([]instance, 0, len(entries))
	for _, e := range entries {
		if a := entryAddress(e); a != "" {
			addrs = append(addrs, instance{addr: a, weight: instanceWeight(e)})
		}
	}
	slices.SortStableFunc(addrs, func(a, b instance) int { return strings.Compare(a.addr, b.addr) })
	addrs = slices.CompactFunc(addrs, func(a, b instance) bool { return a.addr == b.addr })
	if limit > 0 && len(addrs) > limit {
		addrs = addrs[:limit]
	}
	return addrs
}

// instanceWeight is the weight Consul gives an instance, as its DNS interface
// does: Weights.Warning while one of its checks warns (only with
// passingOnly=false: a warning fails the passing filter), else
// Weights.Passing. Consul stores 1 and 1 when a registration sets none; the
// balancer counts 0 as 1.
func instanceWeight(e *api.ServiceEntry) uint32 {
	w := e.Service.Weights
	if e.Checks.AggregatedStatus() == api.HealthWarning {
		return uint32(max(w.Warning, 0))
	}
	return uint32(max(w.Passing, 0))
}

// grpcTaggedAddress is the tagged address kratos' consul registry stores a
// gRPC endpoint under, as "grpc://host:port".
const grpcTaggedAddress = "grpc"

// entryAddress returns the gRPC address of an instance: its "grpc" tagged
// address when it has one (kratos), else the service address and port,
// falling back to the node's address as Consul does.
func entryAddress(e *api.ServiceEntry) string {
	s := e.Service
	if s == nil {
		return ""
	}
	if ta, ok := s.TaggedAddresses[grpcTaggedAddress]; ok && ta.Address != "" {
		if a := taggedAddress(ta); a != "" {
			return a
		}
	}
	host := s.Address
	if host == "" && e.Node != nil {
		host = e.Node.Address
	}
	if host == "" || s.Port <= 0 {
		return ""
	}
	return net.JoinHostPort(host, strconv.Itoa(s.Port))
}

func taggedAddress(ta api.ServiceAddress) string {
	if strings.Contains(ta.Address, "://") {
		u, err := url.Parse(ta.Address)
		if err != nil || !dtmdriver.IsHostPort(u.Host) {
			return ""
		}
		return u.Host
	}
	if ta.Port <= 0 {
		return ""
	}
	return net.JoinHostPort(ta.Address, strconv.Itoa(ta.Port))
}

// sleep waits for d or until ctx ends, and reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
