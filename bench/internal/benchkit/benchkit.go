// Package benchkit holds what the driver bench packages share: the branch-call
// benchmark (a driver against a direct connection to the same server),
// percentiles, and the process measurements of the scale benchmarks. The
// recording resolver.ClientConn of the propagation trials is
// dtmdrivertest.Recorder; the registries are the testenv kits.
package benchkit

import (
	"context"
	"math"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/bench/corpus"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// HealthMethod is the method the call benchmarks invoke: the gRPC health check
// of the server dtmdrivertest.StartHealthServer starts.
const HealthMethod = "/grpc.health.v1.Health/Check"

// Percentile returns the p-th percentile (nearest rank) of d.
func Percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(math.Ceil(float64(len(s))*p/100)) - 1
	return s[max(0, min(i, len(s)-1))]
}

// ReportLatency reports the p50 and p99 of d in milliseconds and the number of
// trials, and suppresses ns/op, which means nothing for a benchmark that runs
// a fixed number of trials whatever b.N is.
func ReportLatency(b *testing.B, d []time.Duration) {
	ms := func(t time.Duration) float64 { return float64(t) / float64(time.Millisecond) }
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(ms(Percentile(d, 50)), "p50-ms")
	b.ReportMetric(ms(Percentile(d, 99)), "p99-ms")
	b.ReportMetric(ms(Percentile(d, 100)), "max-ms")
	b.ReportMetric(float64(len(d)), "trials")
}

// dial connects to server the way dtm v1.19.0 dials a branch server.
func dial(b testing.TB, server string) *grpc.ClientConn {
	b.Helper()
	//lint:ignore SA1019 dtm v1.19.0 dials branch servers with grpc.Dial; the bench dials the same way.
	conn, err := grpc.Dial(server, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatalf("grpc.Dial(%q): %v", server, err)
	}
	b.Cleanup(func() { _ = conn.Close() })
	return conn
}

// check calls the health method on conn.
func check(ctx context.Context, conn *grpc.ClientConn, method, name string, opts ...grpc.CallOption) error {
	var resp healthpb.HealthCheckResponse
	return conn.Invoke(ctx, method, &healthpb.HealthCheckRequest{Service: name}, &resp, opts...)
}

// CallsRegistered is [Calls] on a health server registered as dtm registers
// itself: it starts the server, registers its address with the selected
// driver's RegisterGrpcService under the target uris returns for it ("" for a
// driver with nothing to register), withdraws it with dtmdriver.Close at the
// end, and calls through the server part uris returns (the method is
// appended).
func CallsRegistered(b *testing.B, uris func(addr string) (target, server string), warm time.Duration) {
	const name = "bench-call"
	addr := dtmdrivertest.StartHealthServer(b, name)
	target, server := uris(addr)
	if err := dtmdriver.GetDriver().RegisterGrpcService(target, addr); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = dtmdriver.Close() })
	Calls(b, addr, server+HealthMethod, name, warm)
}

// Calls times branch calls to one health server started for name at addr,
// through the registered driver (uri parsed by its ParseServerMethod and the
// server dialled as dtm does) and directly (addr dialled as host:port), as
// sub-benchmarks of b:
//
//	Call/direct, Call/driver                  sequential calls: p50-us, p99-us
//	CallParallel/direct, CallParallel/driver  b.RunParallel: calls/s
//
// Both connections are warm (one call each, waiting up to warm for
// discovery) before any is timed. Run it with -benchtime Nx.
func Calls(b *testing.B, addr, uri, name string, warm time.Duration) {
	server, method, err := dtmdriver.GetDriver().ParseServerMethod(uri)
	if err != nil {
		b.Fatalf("ParseServerMethod(%q): %v", uri, err)
	}
	conns := []struct {
		name, method string
		conn         *grpc.ClientConn
	}{
		{"direct", HealthMethod, dial(b, addr)},
		{"driver", method, dial(b, server)},
	}
	for _, c := range conns {
		ctx, cancel := context.WithTimeout(b.Context(), warm)
		err := check(ctx, c.conn, c.method, name, grpc.WaitForReady(true))
		cancel()
		if err != nil {
			b.Fatalf("warming the %s connection (%s): %v", c.name, uri, err)
		}
	}
	// Warm both connections, the server and the runtime the same way before
	// anything is timed, so that the first sub-benchmark does not pay for it.
	for _, c := range conns {
		warmUp(b, c.conn, c.method, name)
	}
	for _, c := range conns {
		b.Run("Call/"+c.name, func(b *testing.B) {
			ctx := b.Context()
			lat := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				if err := check(ctx, c.conn, c.method, name); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			us := func(t time.Duration) float64 { return float64(t) / float64(time.Microsecond) }
			b.ReportMetric(us(Percentile(lat, 50)), "p50-us")
			b.ReportMetric(us(Percentile(lat, 99)), "p99-us")
		})
	}
	for _, c := range conns {
		b.Run("CallParallel/"+c.name, func(b *testing.B) {
			ctx := b.Context()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := check(ctx, c.conn, c.method, name); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
		})
	}
}

// warmUp makes warmCalls calls on conn from as many goroutines as b.RunParallel
// would use.
func warmUp(b *testing.B, conn *grpc.ClientConn, method, name string) {
	const warmCalls = 2000
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for range workers {
		wg.Go(func() {
			for range warmCalls / workers {
				if err := check(b.Context(), conn, method, name); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// Has returns a condition for dtmdrivertest.Recorder.Await: addr is in the list (want) or not.
func Has(addr string, want bool) func([]string) bool {
	return func(addrs []string) bool { return slices.Contains(addrs, addr) == want }
}

// BenchParse times the registered driver named name on the shared corpus cases
// of framework, as "ours:<name>"; the upstream drivers run the same cases from
// bench/testdata/upstream*.
func BenchParse(b *testing.B, name, framework string) {
	d, ok := dtmdriver.Lookup(name)
	if !ok {
		b.Fatalf("driver %q is not registered: blank-import it", name)
	}
	// As dtm calls it: the same URIs again and again, so from the driver's
	// dtmdriver.ParseCache after the first two calls.
	corpus.Bench(b, "ours:"+name, framework, d.ParseServerMethod)
	// The parse itself, every call, as for a URI seen for the first time.
	b.Run("uncached", func(b *testing.B) {
		dtmdriver.SetParseCaching(false)
		defer dtmdriver.SetParseCaching(true)
		corpus.Bench(b, "ours:"+name, framework, d.ParseServerMethod)
	})
}
