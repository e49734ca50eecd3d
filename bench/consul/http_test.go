package consul

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dtm-labs/client/dtmcli/dtmimp"
	upstream "github.com/dtm-labs/dtmdriver"
	"github.com/dtmdrivers/drivers/bench/internal/benchkit"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/testenv/consultest"
	"github.com/go-resty/resty/v2"
)

// httpService starts a net/http server, registers it in a as Spring Cloud
// Consul registers an application (consultest.RegisterHTTP), waits until it
// passes, and returns its host:port and its URL through the driver.
func httpService(b *testing.B, a *consultest.Agent) (addr, url string) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"dtm_result":"SUCCESS"}`)
	}))
	b.Cleanup(srv.Close)
	addr = strings.TrimPrefix(srv.URL, "http://")
	withdraw, err := a.RegisterHTTP("bench-http", addr, "/health", false)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(withdraw)
	// Stops the driver's HTTP watches with the agent (registered last, runs first).
	b.Cleanup(func() { _ = dtmdriver.Close() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		l, _ := a.List(context.Background(), "bench-http")
		if slices.Contains(l, addr) {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s not passing in Consul after 20 s", addr)
		}
		time.Sleep(20 * time.Millisecond) // polling the agent until the deadline
	}
	return addr, "consul://" + a.Addr() + "/bench-http/api/busi/TransIn"
}

// BenchmarkHTTPMiddleware times what the driver adds to every HTTP request
// of a dtm server or dtmcli app: github.com/dtm-labs/dtmdriver's
// Middlewares.HTTP as TestMain's Use installed it, run on a resty request as
// dtmimp.AddRestyMiddlewares runs it, for a URL of the driver's scheme (the
// service's watch already listing it) and for a plain http:// URL.
func BenchmarkHTTPMiddleware(b *testing.B) {
	a := consultest.Start(b)
	addr, owned := httpService(b, a)
	ms := upstream.Middlewares.HTTP
	if len(ms) != 1 {
		b.Fatalf("Middlewares.HTTP holds %d functions; want the driver's one", len(ms))
	}
	c := resty.New()
	for _, bc := range []struct{ name, url string }{
		{"consul", owned},
		{"plain", "http://" + addr + "/api/busi/TransIn"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := c.R()
			r.URL = bc.url
			if err := ms[0](c, r); err != nil { // starts the service's watch
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				r.URL = bc.url
				for _, m := range ms {
					if err := m(c, r); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkHTTPCall times an HTTP branch call as dtm makes it (a resty
// client with dtmimp.AddRestyMiddlewares, POST with a JSON body) to one
// net/http server on loopback, by its consul:// URL and by its direct
// http:// URL, in the same run: p50 and p99 of sequential calls. Run it with
// -benchtime Nx.
func BenchmarkHTTPCall(b *testing.B) {
	a := consultest.Start(b)
	addr, owned := httpService(b, a)
	c := resty.New()
	dtmimp.AddRestyMiddlewares(c)
	call := func(url string) error {
		resp, err := c.R().SetBody(`{"user":1,"amount":1}`).SetHeader("Content-Type", "application/json").Post(url)
		if err == nil && resp.StatusCode() != http.StatusOK {
			b.Fatalf("POST %s: %s", url, resp.Status())
		}
		return err
	}
	urls := []struct{ name, url string }{
		{"direct", "http://" + addr + "/api/busi/TransIn"},
		{"driver", owned},
	}
	for range 500 { // warm both paths, the server and the runtime alike
		for _, u := range urls {
			if err := call(u.url); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, u := range urls {
		b.Run(u.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				if err := call(u.url); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			us := func(t time.Duration) float64 { return float64(t) / float64(time.Microsecond) }
			b.ReportMetric(us(benchkit.Percentile(lat, 50)), "p50-us")
			b.ReportMetric(us(benchkit.Percentile(lat, 99)), "p99-us")
		})
	}
}
