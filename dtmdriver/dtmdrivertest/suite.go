package dtmdrivertest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	upstream "github.com/dtm-labs/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/status"
)

// Split is one branch URI a driver accepts, with the server and method that
// ParseServerMethod must return for it.
type Split struct {
	URI    string
	Server string
	Method string
}

// Harness is what a driver supplies to the suite.
type Harness struct {
	// Driver is the driver under test, the value its package registered.
	Driver dtmdriver.Driver

	// Schemes are the URI schemes whose gRPC resolvers RegisterGrpcResolver
	// registers. Empty for a driver that needs none.
	Schemes []string

	// Splits are the driver's own URI forms with their expected splits.
	Splits []Split

	// Malformed are URIs the driver must reject, in addition to [MalformedURIs].
	Malformed []string

	// Publish makes the gRPC server listening at addr (host:port on loopback)
	// reachable under the service name name, the way the framework's services
	// register, and returns the server part of a branch URI that reaches it: the
	// suite appends "/package.Service/Method". It may register cleanup with
	// t.Cleanup. The backend may take a while to become visible: the suite waits.
	// Nil means Registry.Publish.
	Publish func(t *testing.T, name, addr string) (server string)

	// Registry is the registry the driver discovers through, the one kit of
	// testenv/<registry>test: it stands in for Publish and Listed when they are
	// nil. Nil for a driver without a registry.
	Registry Registry

	// CallTimeout bounds each real call, discovery included. Zero means 30 s.
	CallTimeout time.Duration

	// IgnoreGoroutines names goroutines (by a part of their stack) that may outlive
	// a closed client connection on purpose, such as a framework's process-wide
	// registry client cache. The Call check fails on any other goroutine that the
	// calls started and that still runs after their connections are closed. The
	// Close check ignores the same ones.
	IgnoreGoroutines []string

	// RegistrationTarget returns a registration target under which the driver's
	// RegisterGrpcService publishes endpoint (a host:port on loopback) as the
	// service named service, and the server part of a branch URI that reaches what
	// is published there through the driver's own resolver: the suite appends
	// "/package.Service/Method". A driver without a registry returns a target it
	// accepts and a server that reaches endpoint. Nil skips the registration and
	// Close checks that need a registry; the empty-target and malformed-target
	// checks run all the same.
	RegistrationTarget func(t *testing.T, service, endpoint string) (target, server string)

	// MalformedTargets are registration targets the driver must refuse, in
	// addition to [MalformedTargets].
	MalformedTargets []string

	// Listed returns the endpoints (host:port) that the registry lists under
	// service, as a consumer sees them: the Close check waits until dtm's is gone.
	// Required (or Registry) for a driver that implements dtmdriver.Closer.
	// Nil means Registry.List.
	Listed func(t *testing.T, service string) []string
}

func (h Harness) publish(t *testing.T, name, addr string) string {
	if h.Publish != nil {
		return h.Publish(t, name, addr)
	}
	return h.Registry.Publish(t, name, addr)
}

func (h Harness) listed(t *testing.T, service string) []string {
	if h.Listed != nil {
		return h.Listed(t, service)
	}
	return Listed(t, h.Registry, service)
}

// RunConformanceTests runs the conformance suite for h.Driver as subtests of t.
// It calls dtmdriver.Use with the driver's name.
func RunConformanceTests(t *testing.T, h Harness) {
	t.Helper()
	if h.Driver == nil {
		t.Fatal("dtmdrivertest: Harness.Driver is nil")
	}
	name := h.Driver.GetName()
	t.Run("Name", func(t *testing.T) { testName(t, h, name) })
	t.Run("Use", func(t *testing.T) { testUse(t, name) })
	t.Run("Resolvers", func(t *testing.T) { testResolvers(t, h, name) })
	t.Run("Describe", func(t *testing.T) { testDescribe(t, h) })
	t.Run("HTTP", func(t *testing.T) { testHTTP(t, h, name) })
	t.Run("Splits", func(t *testing.T) { testSplits(t, h) })
	t.Run("Malformed", func(t *testing.T) { testMalformed(t, h) })
	t.Run("Adversarial", func(t *testing.T) { testAdversarial(t, h) })
	t.Run("Secrets", func(t *testing.T) { testSecrets(t, h) })
	t.Run("Call", func(t *testing.T) { testCall(t, h, name) })
	t.Run("ConcurrentFirstCalls", func(t *testing.T) { testConcurrentFirstCalls(t, h, name) })
	t.Run("RegisterEmptyTarget", func(t *testing.T) { testRegisterEmptyTarget(t, h) })
	t.Run("RegisterMalformed", func(t *testing.T) { testRegisterMalformed(t, h, name) })
	t.Run("Plan", func(t *testing.T) { testPlan(t, h) })
	t.Run("Register", func(t *testing.T) { testRegister(t, h, name) })
	t.Run("Close", func(t *testing.T) { testClose(t, h, name) })
}

func testName(t *testing.T, h Harness, name string) {
	if name != dtmdriver.DefaultName && !strings.HasPrefix(name, "dtm-driver-") {
		t.Errorf("GetName() = %q: want the \"dtm-driver-\" prefix", name)
	}
	d, ok := dtmdriver.Lookup(name)
	if !ok {
		t.Fatalf("dtmdriver.Lookup(%q) found nothing: does the package call dtmdriver.Register in init?", name)
	}
	if d.GetName() != name {
		t.Errorf("dtmdriver.Lookup(%q) returned driver %q", name, d.GetName())
	}
	if names := dtmdriver.Drivers(); !slices.Contains(names, name) || !slices.IsSorted(names) {
		t.Errorf("dtmdriver.Drivers() = %q: want a sorted list containing %q", names, name)
	}
}

// probeName is a second driver the suite registers to check that Use refuses it.
const probeName = "dtm-driver-conformance-probe"

var registerProbe sync.Once

type probeDriver struct{}

func (probeDriver) GetName() string                                   { return probeName }
func (probeDriver) RegisterGrpcResolver()                             {}
func (probeDriver) RegisterGrpcService(target, endpoint string) error { return nil }
func (probeDriver) ParseServerMethod(uri string) (string, string, error) {
	return dtmdriver.SplitMethod(uri)
}

func testUse(t *testing.T, name string) {
	registerProbe.Do(func() { dtmdriver.Register(probeDriver{}) })

	const callers = 16
	errs := make(chan error, callers)
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() { errs <- dtmdriver.Use(name) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent dtmdriver.Use(%q): %v", name, err)
		}
	}
	if err := dtmdriver.Use(name); err != nil {
		t.Errorf("dtmdriver.Use(%q) again: %v; want nil (Use is idempotent)", name, err)
	}
	if got := dtmdriver.GetDriver().GetName(); got != name {
		t.Errorf("after Use, dtmdriver.GetDriver() is %q, want %q", got, name)
	}

	err := dtmdriver.Use(probeName)
	switch {
	case err == nil:
		t.Errorf("dtmdriver.Use(%q) with %q in use returned nil; want an error", probeName, name)
	case !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), probeName):
		t.Errorf("dtmdriver.Use(%q) error %q: want it to name both %q and %q", probeName, err, probeName, name)
	}

	const unknown = "dtm-driver-no-such-framework"
	err = dtmdriver.Use(unknown)
	switch {
	case err == nil:
		t.Errorf("dtmdriver.Use(%q) returned nil; want an error", unknown)
	case !strings.Contains(err.Error(), unknown) || !strings.Contains(err.Error(), name):
		t.Errorf("dtmdriver.Use(%q) error %q: want it to name %q and list the registered %q", unknown, err, unknown, name)
	}

	if name == dtmdriver.DefaultName {
		return // upstream keeps its own default driver
	}
	if err := upstream.Use(name); err != nil {
		t.Errorf("github.com/dtm-labs/dtmdriver.Use(%q): %v", name, err)
	}
	if got := upstream.GetDriver().GetName(); got != name {
		t.Errorf("github.com/dtm-labs/dtmdriver.GetDriver() is %q, want %q", got, name)
	}
}

func testResolvers(t *testing.T, h Harness, name string) {
	if err := dtmdriver.Use(name); err != nil {
		t.Fatal(err)
	}
	for _, scheme := range h.Schemes {
		if resolver.Get(scheme) == nil {
			t.Errorf("after Use(%q), gRPC has no resolver for scheme %q", name, scheme)
		}
	}
}

// testDescribe checks a [dtmdriver.Describer]: its schemes are the harness's,
// lower case and distinct, and every scheme-form split URI uses one of them,
// so a composite driver routing by scheme reaches this driver for each.
func testDescribe(t *testing.T, h Harness) {
	desc, ok := dtmdriver.Describe(h.Driver)
	if !ok {
		t.Skip("the driver does not implement dtmdriver.Describer (optional)")
	}
	if len(desc.BranchForms) == 0 || desc.TargetForm == "" {
		t.Errorf("Describe() = %+v: BranchForms and TargetForm must name the forms", desc)
	}
	seen := map[string]bool{}
	for _, s := range desc.Schemes {
		if s == "" || s != strings.ToLower(s) || seen[s] {
			t.Errorf("Describe().Schemes = %q: each must be a distinct, non-empty, lower-case scheme", desc.Schemes)
		}
		seen[s] = true
	}
	want := slices.Sorted(slices.Values(h.Schemes))
	if got := slices.Sorted(slices.Values(desc.Schemes)); !slices.Equal(got, want) {
		t.Errorf("Describe().Schemes = %q, Harness.Schemes = %q: they must name the same resolvers", got, want)
	}
	for _, c := range h.Splits {
		s := strings.ToLower(dtmdriver.Scheme(c.URI))
		if grpcBuiltinSchemes[s] {
			continue // gRPC's own resolver answers it; a driver passes it through, owns it not
		}
		if s != "" && !seen[s] {
			t.Errorf("split URI %q has scheme %q, which Describe().Schemes %q does not own", c.URI, s, desc.Schemes)
		}
	}
}

// grpcBuiltinSchemes are the resolvers grpc-go registers itself. A driver may
// pass such URIs through (go-zero's accepts dns:///host:port), but no driver
// owns them, so Describe need not list them.
var grpcBuiltinSchemes = map[string]bool{"dns": true, "passthrough": true, "unix": true, "unix-abstract": true}

func testSplits(t *testing.T, h Harness) {
	if len(h.Splits) == 0 {
		t.Fatal("Harness.Splits is empty: list the driver's URI forms with their expected splits")
	}
	for _, c := range h.Splits {
		// Three times: parsed, stored (see dtmdriver.ParseCache), then recalled.
		for range 3 {
			server, method, err := h.Driver.ParseServerMethod(c.URI)
			if err != nil || server != c.Server || method != c.Method {
				t.Errorf("ParseServerMethod(%q) = %q, %q, %v; want %q, %q, nil", c.URI, server, method, err, c.Server, c.Method)
				break
			}
		}
	}
}

// testAdversarial parses every adversarial URI twice: no panic, the same
// answer both times, an error that wraps ErrBadURI and hides the secret, or a
// well-formed split.
func testAdversarial(t *testing.T, h Harness) {
	for _, uri := range AdversarialURIs {
		server, method, panicked, err := parseSafely(h.Driver, uri)
		server2, method2, _, err2 := parseSafely(h.Driver, uri)
		short := display(uri)
		switch {
		case panicked != nil:
			t.Errorf("ParseServerMethod(%s) panicked: %v", short, panicked)
		case server != server2 || method != method2 || (err == nil) != (err2 == nil):
			t.Errorf("ParseServerMethod(%s) answered %q, %q, %v, then %q, %q, %v", short, server, method, err, server2, method2, err2)
		case err != nil && !errors.Is(err, dtmdriver.ErrBadURI):
			t.Errorf("ParseServerMethod(%s) error %q does not wrap dtmdriver.ErrBadURI", short, err)
		case err != nil && strings.Contains(err.Error(), Secret):
			t.Errorf("ParseServerMethod(%s) error quotes the credential: %q", short, err)
		case err == nil && CheckSplit(server, method) != nil:
			t.Errorf("ParseServerMethod(%s) = %q, %q: %v", short, server, method, CheckSplit(server, method))
		}
	}
}

// display quotes a URI for a test message, cut to 80 bytes.
func display(uri string) string {
	if len(uri) > 80 {
		return strconv.Quote(uri[:80]) + "…"
	}
	return strconv.Quote(uri)
}

func testMalformed(t *testing.T, h Harness) {
	for _, uri := range slices.Concat(MalformedURIs, h.Malformed) {
		server, method, panicked, err := parseSafely(h.Driver, uri)
		switch {
		case panicked != nil:
			t.Errorf("ParseServerMethod(%q) panicked: %v", uri, panicked)
		case err == nil:
			t.Errorf("ParseServerMethod(%q) = %q, %q, nil; want an error", uri, server, method)
		case !errors.Is(err, dtmdriver.ErrBadURI):
			t.Errorf("ParseServerMethod(%q) error %q does not wrap dtmdriver.ErrBadURI", uri, err)
		case strings.Contains(err.Error(), Secret):
			t.Errorf("ParseServerMethod(%q) error quotes the credential: %q", uri, err)
		}
	}
}

func parseSafely(d dtmdriver.Driver, uri string) (server, method string, panicked any, err error) {
	defer func() { panicked = recover() }()
	server, method, err = d.ParseServerMethod(uri)
	return server, method, nil, err
}

// healthCheck is the method the suite calls: every backend serves gRPC health, and
// each reports SERVING only for its own name, so the answer tells which one it was.
const healthCheck = "/grpc.health.v1.Health/Check"

func testCall(t *testing.T, h Harness, name string) {
	if h.Publish == nil && h.Registry == nil {
		t.Fatal("Harness.Publish and Harness.Registry are nil: the suite needs a way to make a real gRPC server reachable")
	}
	if err := dtmdriver.Use(name); err != nil {
		t.Fatal(err)
	}
	timeout := h.CallTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	suffix := fmt.Sprintf("%d", time.Now().UnixNano()%1e9)
	backends := []string{"conformance-a-" + suffix, "conformance-b-" + suffix}
	servers := map[string]string{}
	for _, backend := range backends {
		addr := StartHealthServer(t, backend)
		servers[backend] = h.publish(t, backend, addr)
	}
	call := func() {
		for _, backend := range backends {
			uri := servers[backend] + healthCheck
			if err := CallHealth(t.Context(), h.Driver, uri, backend, timeout); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The first round may set up what a driver keeps for the whole process (a
	// registry client, a cache); the second must release all it starts: what
	// dialling a connection starts, closing it stops.
	call()
	goroutines := TrackGoroutines()
	call()
	goroutines.Check(t, 10*time.Second, h.IgnoreGoroutines...)
}

// StartHealthServer starts a real gRPC server on a free loopback port that serves
// gRPC health and reports SERVING for name only, and returns its address. It stops
// with the test.
func StartHealthServer(t testing.TB, name string) (addr string) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	hs.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

// CallHealth parses uri with d, dials the server the way dtm does, and calls gRPC
// health for name, waiting up to timeout for discovery. It returns an error unless
// the server that answers is the one started for name by [StartHealthServer].
func CallHealth(ctx context.Context, d dtmdriver.Driver, uri, name string, timeout time.Duration) error {
	return callHealth(ctx, d, uri, name, timeout, true)
}

// callHealth is CallHealth; without waitForReady the call fails as soon as
// the connection fails, as dtm's branch calls do (a resolver that reports no
// address fails it at once).
func callHealth(ctx context.Context, d dtmdriver.Driver, uri, name string, timeout time.Duration, waitForReady bool) error {
	server, method, err := d.ParseServerMethod(uri)
	if err != nil {
		return fmt.Errorf("ParseServerMethod(%q): %w", uri, err)
	}
	//lint:ignore SA1019 dtm v1.19.0 dials branch servers with grpc.Dial; the suite dials the same way.
	conn, err := grpc.Dial(server, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("grpc.Dial(%q) from %q: %w", server, uri, err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var resp healthpb.HealthCheckResponse
	err = conn.Invoke(ctx, method, &healthpb.HealthCheckRequest{Service: name}, &resp, grpc.WaitForReady(waitForReady))
	switch {
	case status.Code(err) == codes.NotFound:
		return fmt.Errorf("call %q reached a server that is not %q's: %w", uri, name, err)
	case err != nil:
		return fmt.Errorf("call %q (server %q, method %q) within %v: %w", uri, server, method, timeout, err)
	case resp.GetStatus() != healthpb.HealthCheckResponse_SERVING:
		return fmt.Errorf("call %q: status %v, want SERVING", uri, resp.GetStatus())
	}
	return nil
}

// FuzzParseServerMethod fuzzes d.ParseServerMethod from the shared corpus and
// seeds. For every input it must not panic, and must either return an error that
// wraps dtmdriver.ErrBadURI and passes [CheckError], or a non-empty server and a
// method of the form "/package.Service/Method".
func FuzzParseServerMethod(f *testing.F, d dtmdriver.Driver, seeds ...string) {
	for _, s := range slices.Concat(MalformedURIs, AdversarialURIs, seeds) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, uri string) {
		server, method, err := d.ParseServerMethod(uri)
		// Again: the second answer may come from the driver's dtmdriver.ParseCache.
		if s2, m2, err2 := d.ParseServerMethod(uri); s2 != server || m2 != method || (err2 == nil) != (err == nil) {
			t.Errorf("ParseServerMethod(%q) answered %q, %q, %v, then %q, %q, %v", uri, server, method, err, s2, m2, err2)
		}
		if err != nil {
			if !errors.Is(err, dtmdriver.ErrBadURI) {
				t.Errorf("ParseServerMethod(%q) error %q does not wrap dtmdriver.ErrBadURI", uri, err)
			}
			if err := CheckError(uri, err); err != nil {
				t.Errorf("ParseServerMethod(%q): %v", uri, err)
			}
			return
		}
		if err := CheckSplit(server, method); err != nil {
			t.Errorf("ParseServerMethod(%q) = %q, %q: %v", uri, server, method, err)
		}
	})
}

// CheckSplit reports whether server and method are a well-formed split: a
// non-empty server and a method "/service/name" with both parts non-empty and free
// of '/', '?' and '#'.
func CheckSplit(server, method string) error {
	if server == "" {
		return errors.New("empty server")
	}
	service, name, ok := strings.Cut(strings.TrimPrefix(method, "/"), "/")
	if !strings.HasPrefix(method, "/") || !ok || service == "" || name == "" ||
		strings.ContainsAny(service, "/?#") || strings.ContainsAny(name, "/?#") {
		return fmt.Errorf("method %q is not /package.Service/Method", method)
	}
	return nil
}
