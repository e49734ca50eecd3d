package dtmdrivertest

import (
	"bytes"
	"context"
	"net"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/serviceconfig"
)

// Registry is a registry under test: one implementation per registry, in
// testenv/<registry>test (etcdtest, consultest, polaristest), used by the
// conformance suite, the drivers' own tests, e2e and bench alike. Each kit's
// Start runs the registry; a value of it is a Registry.
type Registry interface {
	// Publish makes the gRPC server listening at addr (host:port on loopback)
	// reachable under service, the way the framework's servers register, and
	// returns the server part of a branch URI that reaches it (the caller
	// appends "/package.Service/Method"). The registration is withdrawn when
	// t's test ends. It may become visible to consumers a little later.
	Publish(t testing.TB, service, addr string) (server string)

	// List returns the endpoints (host:port, sorted) that the registry lists
	// under service as a consumer sees them: healthy ones only.
	List(ctx context.Context, service string) ([]string, error)
}

// WaitFor polls cond every 20 ms until it holds, and fails t after timeout.
// It returns how long it waited.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", timeout, what)
		}
		<-tick.C
	}
	return time.Since(start)
}

// Listed returns what r lists under service, logging an error (as an empty
// list) on t: for polling with [WaitFor].
func Listed(t testing.TB, r Registry, service string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	addrs, err := r.List(ctx, service)
	if err != nil {
		t.Logf("listing %s: %v", service, err)
		return nil
	}
	return addrs
}

// Recorder is a resolver.ClientConn that records the address lists a resolver
// reports and when they came, for tests that look at a resolver alone: the one
// recording ClientConn of the drivers' tests, e2e and bench.
type Recorder struct {
	resolver.ClientConn // only the methods below are called

	mu      sync.Mutex
	history []Update
	errs    []error
	notify  chan struct{}
}

// Update is one address list a resolver reported.
type Update struct {
	At    time.Time
	Addrs []string
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{notify: make(chan struct{}, 1)} }

// UpdateState records s's addresses (those of its endpoints when it has none).
func (r *Recorder) UpdateState(s resolver.State) error {
	addrs := make([]string, 0, len(s.Addresses)+len(s.Endpoints))
	for _, a := range s.Addresses {
		addrs = append(addrs, a.Addr)
	}
	if len(s.Addresses) == 0 {
		for _, e := range s.Endpoints {
			for _, a := range e.Addresses {
				addrs = append(addrs, a.Addr)
			}
		}
	}
	r.mu.Lock()
	r.history = append(r.history, Update{time.Now(), addrs})
	r.mu.Unlock()
	r.wake()
	return nil
}

func (r *Recorder) wake() {
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

// ReportError records err.
func (r *Recorder) ReportError(err error) {
	r.mu.Lock()
	r.errs = append(r.errs, err)
	r.mu.Unlock()
	r.wake()
}

// NewAddress is the deprecated form of UpdateState.
func (r *Recorder) NewAddress(addrs []resolver.Address) {
	_ = r.UpdateState(resolver.State{Addresses: addrs})
}

// ParseServiceConfig accepts any service config.
func (r *Recorder) ParseServiceConfig(string) *serviceconfig.ParseResult {
	return &serviceconfig.ParseResult{}
}

// Updated returns a channel that receives (at most one pending value) after
// each update or error: to wait for the next one.
func (r *Recorder) Updated() <-chan struct{} { return r.notify }

// Len returns how many updates have been recorded.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.history)
}

// Last returns the latest address list and when it came (zero if none).
func (r *Recorder) Last() ([]string, time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.history) == 0 {
		return nil, time.Time{}
	}
	u := r.history[len(r.history)-1]
	return slices.Clone(u.Addrs), u.At
}

// Has reports whether the latest address list holds addr.
func (r *Recorder) Has(addr string) bool {
	addrs, _ := r.Last()
	return slices.Contains(addrs, addr)
}

// Errors returns the errors reported so far.
func (r *Recorder) Errors() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.errs)
}

// Await returns the time of the first update at or after index from (see Len)
// whose list satisfies ok, waiting up to timeout; false if none came.
func (r *Recorder) Await(from int, timeout time.Duration, ok func(addrs []string) bool) (time.Time, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		for i := from; i < len(r.history); i++ {
			if ok(r.history[i].Addrs) {
				at := r.history[i].At
				r.mu.Unlock()
				return at, true
			}
		}
		r.mu.Unlock()
		select {
		case <-r.notify:
		case <-deadline.C:
			return time.Time{}, false
		}
	}
}

// BuildResolver builds b's resolver for server (a URI b's scheme accepts) with
// rec as its ClientConn, and closes it with the test.
func BuildResolver(t testing.TB, b resolver.Builder, server string, rec *Recorder) resolver.Resolver {
	t.Helper()
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	r, err := b.Build(resolver.Target{URL: *u}, rec, resolver.BuildOptions{})
	if err != nil {
		t.Fatalf("building the %s resolver for %s: %v", u.Scheme, server, err)
	}
	t.Cleanup(r.Close)
	return r
}

// CountingServer is a real gRPC server on a free loopback port that serves
// gRPC health (SERVING for its name) and counts the calls it answers.
type CountingServer struct {
	Addr  string
	Calls atomic.Int64
	srv   *grpc.Server
}

// StartCountingServer starts a CountingServer that reports SERVING for name
// (and for the empty service); it stops with the test.
func StartCountingServer(t testing.TB, name string) *CountingServer {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &CountingServer{Addr: lis.Addr().String()}
	s.srv = grpc.NewServer(grpc.UnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		s.Calls.Add(1)
		return h(ctx, req)
	}))
	hs := health.NewServer()
	hs.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(s.srv, hs)
	go func() { _ = s.srv.Serve(lis) }()
	t.Cleanup(s.srv.Stop)
	return s
}

// Stop stops the server at once.
func (s *CountingServer) Stop() { s.srv.Stop() }

// Dial splits uri with d and dials its server part as dtm does (grpc.Dial,
// insecure), closing the connection with the test. It returns the connection
// and the method.
func Dial(t testing.TB, d dtmdriver.Driver, uri string) (*grpc.ClientConn, string) {
	t.Helper()
	server, method, err := d.ParseServerMethod(uri)
	if err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 dtm dials branch servers with grpc.Dial.
	conn, err := grpc.Dial(server, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, method
}

// Invoke calls method (a gRPC health Check) on conn, waiting for discovery,
// bounded by timeout.
func Invoke(ctx context.Context, conn *grpc.ClientConn, method string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return conn.Invoke(ctx, method, &healthpb.HealthCheckRequest{}, &healthpb.HealthCheckResponse{}, grpc.WaitForReady(true))
}

// BenchURI is one URI a driver benchmark splits, under a sub-benchmark name.
type BenchURI struct{ Name, URI string }

// BenchParseServerMethod measures d.ParseServerMethod on dtm's hot path, with
// dtmdriver.SplitMethod (the generic split alone) on the same URIs as the
// baseline: sub-benchmarks driver/<name> and split/<name>.
func BenchParseServerMethod(b *testing.B, d dtmdriver.Driver, uris ...BenchURI) {
	for _, u := range uris {
		b.Run("driver/"+u.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := d.ParseServerMethod(u.URI); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("split/"+u.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := dtmdriver.SplitMethod(u.URI); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// HostPort splits addr (host:port, as a kit or a test server gives it) into
// host and port, failing t on anything else.
func HostPort(t testing.TB, addr string) (host string, port int) {
	t.Helper()
	host, port, err := dtmdriver.CheckEndpoint(addr)
	if err != nil {
		t.Fatal(err)
	}
	return host, port
}

// SyncBuffer is a bytes.Buffer that several goroutines may write at once (a
// slog handler's, a process's output) while a test reads it. The zero value
// is ready.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
