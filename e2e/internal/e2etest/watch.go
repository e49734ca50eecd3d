package e2etest

import (
	"net/url"
	"slices"
	"sync"
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/serviceconfig"
)

// resolverWatch follows what the selected driver's gRPC resolver says about a
// dtm URI, as a client of dtm sees it: it is the resolver.ClientConn the
// driver's resolver reports to.
type resolverWatch struct {
	mu    sync.Mutex
	addrs []string
}

// watchResolver builds the driver's resolver for the server of uri (a dtm
// URI as clients write it) and returns the watch; the resolver is closed at
// the end of the test.
func watchResolver(t *testing.T, uri string) *resolverWatch {
	t.Helper()
	server, _, err := dtmdriver.GetDriver().ParseServerMethod(uri + "/dtmgimp.Dtm/NewGid")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("the driver's server %q: %v", server, err)
	}
	b := resolver.Get(u.Scheme)
	if b == nil {
		t.Fatalf("no gRPC resolver for scheme %q", u.Scheme)
	}
	w := &resolverWatch{}
	r, err := b.Build(resolver.Target{URL: *u}, w, resolver.BuildOptions{})
	if err != nil {
		t.Fatalf("building the %s resolver for %s: %v", u.Scheme, server, err)
	}
	t.Cleanup(r.Close)
	return w
}

// lists reports whether the resolver's latest state holds addr.
func (w *resolverWatch) lists(addr string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Contains(w.addrs, addr)
}

func (w *resolverWatch) UpdateState(s resolver.State) error {
	var addrs []string
	for _, a := range s.Addresses {
		addrs = append(addrs, a.Addr)
	}
	for _, e := range s.Endpoints {
		for _, a := range e.Addresses {
			addrs = append(addrs, a.Addr)
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.addrs = addrs
	return nil
}

func (w *resolverWatch) ReportError(error) {}

func (w *resolverWatch) NewAddress(addrs []resolver.Address) {
	_ = w.UpdateState(resolver.State{Addresses: addrs})
}

func (w *resolverWatch) ParseServiceConfig(string) *serviceconfig.ParseResult {
	return &serviceconfig.ParseResult{}
}
