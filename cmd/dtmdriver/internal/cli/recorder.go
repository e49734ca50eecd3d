package cli

import (
	"fmt"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/serviceconfig"
)

// update is one report of a resolver: a state (the addresses) or an error.
type update struct {
	at    time.Time
	addrs []string // sorted; nil for an error
	err   error
}

// recorder is the resolver.ClientConn the CLI builds resolvers with: it keeps
// every update, in order, for the command to print.
type recorder struct {
	now    func() time.Time
	mu     sync.Mutex
	queue  []update
	notify chan struct{} // a token when queue grows
}

var _ resolver.ClientConn = (*recorder)(nil)

func newRecorder(now func() time.Time) *recorder {
	return &recorder{now: now, notify: make(chan struct{}, 1)}
}

func (r *recorder) push(u update) {
	r.mu.Lock()
	r.queue = append(r.queue, u)
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

// UpdateState records the addresses of s, from its Addresses and Endpoints.
func (r *recorder) UpdateState(s resolver.State) error {
	addrs := []string{}
	for _, a := range s.Addresses {
		addrs = append(addrs, a.Addr)
	}
	for _, e := range s.Endpoints {
		for _, a := range e.Addresses {
			addrs = append(addrs, a.Addr)
		}
	}
	slices.Sort(addrs)
	r.push(update{at: r.now(), addrs: slices.Compact(addrs)})
	return nil
}

// ReportError records err.
func (r *recorder) ReportError(err error) { r.push(update{at: r.now(), err: err}) }

// NewAddress records addrs, as UpdateState does.
func (r *recorder) NewAddress(addrs []resolver.Address) {
	_ = r.UpdateState(resolver.State{Addresses: addrs})
}

// ParseServiceConfig returns an empty result: the CLI balances nothing.
func (r *recorder) ParseServiceConfig(string) *serviceconfig.ParseResult {
	return &serviceconfig.ParseResult{}
}

// next returns the oldest update not yet returned, waiting until one comes or
// done is closed (then ok is false).
func (r *recorder) next(done <-chan struct{}) (u update, ok bool) {
	for {
		r.mu.Lock()
		if len(r.queue) > 0 {
			u = r.queue[0]
			r.queue = r.queue[1:]
			r.mu.Unlock()
			return u, true
		}
		r.mu.Unlock()
		select {
		case <-r.notify:
		case <-done:
			return update{}, false
		}
	}
}

// registered guards each driver's RegisterGrpcResolver: the CLI looks at URIs
// of several drivers in one process (check reads any configuration), so it
// registers their resolvers without selecting one with dtmdriver.Use, which
// allows one driver per process.
var registered sync.Map // driver name -> *sync.Once

// registerAllResolvers registers every linked driver's resolvers. [Run] calls
// it first: gRPC's resolver registry is a map without a lock, to be written
// before anything dials.
func registerAllResolvers() {
	for _, name := range dtmdriver.Drivers() {
		if d, ok := dtmdriver.Lookup(name); ok {
			registerResolvers(d)
		}
	}
}

func registerResolvers(d dtmdriver.Driver) {
	once, _ := registered.LoadOrStore(d.GetName(), new(sync.Once))
	once.(*sync.Once).Do(d.RegisterGrpcResolver)
}

// buildResolver builds gRPC's resolver for server, the server part of a branch
// URI, through gRPC's resolver registry as grpc.NewClient would: the scheme's
// builder, or dns for a server without a registered scheme.
func buildResolver(server string, cc resolver.ClientConn) (resolver.Resolver, error) {
	target := server
	b := resolver.Get(dtmdriver.Scheme(server))
	if dtmdriver.Scheme(server) == "" || b == nil {
		target = "dns:///" + server
		b = resolver.Get("dns")
	}
	if b == nil {
		return nil, fmt.Errorf("no gRPC resolver for %s", dtmdriver.Quote(server))
	}
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("gRPC cannot parse the target %s: %w", dtmdriver.Quote(target), dtmdriver.ErrBadURI)
	}
	r, err := b.Build(resolver.Target{URL: *u}, cc, resolver.BuildOptions{})
	if err != nil {
		return nil, fmt.Errorf("building the %s resolver for %s: %w", b.Scheme(), dtmdriver.Quote(server), err)
	}
	return r, nil
}
