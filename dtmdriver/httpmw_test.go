package dtmdriver

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-resty/resty/v2"
)

func TestIsPlainHTTP(t *testing.T) {
	tests := []struct {
		url  string
		want bool
	}{
		{"http://h:1/x", true},
		{"https://h/x", true},
		{"HTTP://H/x", true},
		{"Https://h", true},
		{"http:/h", false},
		{"httpx://h/x", false},
		{"consul://127.0.0.1:8500/svc/api", false},
		{"h:1/pkg.S/M", false},
		{"http", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := IsPlainHTTP(tc.url); got != tc.want {
			t.Errorf("IsPlainHTTP(%q) = %v; want %v", tc.url, got, tc.want)
		}
	}
}

// staticResolver owns "static://name/..." URLs, resolving them through an
// HTTPWatches over a fixed table of instances.
type staticResolver struct {
	ws        HTTPWatches
	instances map[string][]HTTPInstance
	calls     int
}

func (s *staticResolver) ResolveHTTP(ctx context.Context, url string) (string, bool, error) {
	s.calls++
	rest, ok := strings.CutPrefix(url, "static://")
	if !ok {
		return url, false, nil
	}
	name, tail, _ := strings.Cut(rest, "/")
	inst, err := s.ws.Pick(ctx, name, s)
	if err != nil {
		return "", true, err
	}
	return inst.Scheme + "://" + inst.Addr + "/" + tail, true, nil
}

func (s *staticResolver) HTTPWatch(key string) (HTTPWatchFunc, error) {
	list, ok := s.instances[key]
	if !ok {
		return nil, errors.New("unknown service " + Quote(key))
	}
	return func(ctx context.Context, update func([]HTTPInstance, error)) {
		update(list, nil)
		<-ctx.Done()
	}, nil
}

func startNamed(t *testing.T, name string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, name+" "+r.URL.RequestURI())
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestHTTPMiddleware(t *testing.T) {
	a, b := startNamed(t, "a"), startNamed(t, "b")
	sr := &staticResolver{instances: map[string][]HTTPInstance{
		"busi": {{Scheme: "http", Addr: a}, {Scheme: "http", Addr: b}},
		"none": {},
	}}
	t.Cleanup(sr.ws.Close)
	c := resty.New()
	c.OnBeforeRequest(HTTPMiddleware(sr))

	seen := map[string]bool{}
	for range 4 {
		resp, err := c.R().SetQueryParam("gid", "g1").Get("static://busi/api/busi/TransOut?x=1")
		if err != nil {
			t.Fatalf("GET through the middleware: %v", err)
		}
		body := resp.String()
		name, uri, _ := strings.Cut(body, " ")
		if uri != "/api/busi/TransOut?gid=g1&x=1" && uri != "/api/busi/TransOut?x=1&gid=g1" {
			t.Errorf("the server saw %q; want the path and both query parameters", uri)
		}
		seen[name] = true
	}
	if !seen["a"] || !seen["b"] {
		t.Errorf("4 calls reached %v; want both instances", seen)
	}

	calls := sr.calls
	resp, err := c.R().Get("http://" + a + "/direct")
	if err != nil || resp.String() != "a /direct" {
		t.Fatalf("plain URL: %v, %q", err, resp.String())
	}
	if sr.calls != calls {
		t.Errorf("a plain http:// URL reached the resolver")
	}

	_, err = c.R().Get("static://none/api")
	if err == nil || !errors.Is(err, ErrNoHTTPInstance) {
		t.Errorf("GET of a service with no instance: %v; want ErrNoHTTPInstance", err)
	}
	_, err = c.R().Get("static://nosuch/api")
	if err == nil || !strings.Contains(err.Error(), `unknown service "nosuch"`) {
		t.Errorf("GET of an unknown service: %v; want the resolver's error", err)
	}
}

func TestHTTPMiddlewareAllocs(t *testing.T) {
	m := HTTPMiddleware(&staticResolver{})
	c := resty.New()
	r := c.R()
	r.URL = "http://127.0.0.1:8081/api/busi/TransOut"
	if n := testing.AllocsPerRun(100, func() { _ = m(c, r) }); n != 0 {
		t.Errorf("middleware on a plain URL: %v allocs; want 0", n)
	}
}

// BenchmarkHTTPMiddleware is the cost the HTTP middleware adds to every
// request of a process: a plain URL, and a URL the driver owns (the watch
// already listing its instances).
func BenchmarkHTTPMiddleware(b *testing.B) {
	sr := &staticResolver{instances: map[string][]HTTPInstance{
		"busi": {{Scheme: "http", Addr: "127.0.0.1:8081"}, {Scheme: "http", Addr: "127.0.0.1:8082"}},
	}}
	b.Cleanup(sr.ws.Close)
	m := HTTPMiddleware(sr)
	c := resty.New()
	for _, bc := range []struct{ name, url string }{
		{"plain", "http://127.0.0.1:8081/api/busi/TransOut"},
		{"owned", "static://busi/api/busi/TransOut"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := c.R()
			b.ReportAllocs()
			for b.Loop() {
				r.URL = bc.url
				if err := m(c, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
