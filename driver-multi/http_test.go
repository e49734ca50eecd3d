package multi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// staticHTTP is a driver of HTTP URLs that carry their address, as protocol1's
// gRPC URIs do: "statichttp://host:port/path" is "http://host:port/path". It
// publishes dtm's HTTP endpoint nowhere and remembers the targets it was given.
type staticHTTP struct {
	mu      sync.Mutex
	targets []string
}

func (*staticHTTP) GetName() string                          { return "dtm-driver-statichttp" }
func (*staticHTTP) RegisterGrpcResolver()                    {}
func (*staticHTTP) RegisterGrpcService(string, string) error { return nil }
func (*staticHTTP) ParseServerMethod(uri string) (string, string, error) {
	return dtmdriver.SplitMethod(uri)
}
func (*staticHTTP) Describe() dtmdriver.Description {
	return dtmdriver.Description{Schemes: []string{"statichttp"}, BranchForms: []string{"statichttp://host:port/path"}, TargetForm: "statichttp://name"}
}
func (*staticHTTP) ResolveHTTP(_ context.Context, url string) (string, bool, error) {
	rest, ok := strings.CutPrefix(url, "statichttp://")
	if !ok {
		return url, false, nil
	}
	return "http://" + rest, true, nil
}
func (s *staticHTTP) RegisterHTTPService(target, endpoint string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.targets = append(s.targets, target+" "+endpoint)
	return nil
}

func TestHTTPRoutesByScheme(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "reached "+r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	static := &staticHTTP{}
	d := newDriver(func() []dtmdriver.Driver {
		return []dtmdriver.Driver{lookup(t, dtmdriver.DefaultName), lookup(t, "dtm-driver-consul"), static}
	})
	ctx := context.Background()
	addr := strings.TrimPrefix(srv.URL, "http://")

	tests := []struct {
		url, want string
		ok        bool
		errHas    string
	}{
		{url: "statichttp://" + addr + "/api/busi/TransIn", want: srv.URL + "/api/busi/TransIn", ok: true},
		{url: srv.URL + "/api/busi/TransIn", want: srv.URL + "/api/busi/TransIn"},
		{url: "https://example.com/x", want: "https://example.com/x"},
		{url: "nosuch://svc/x", want: "nosuch://svc/x"},
		{url: "consul://127.0.0.1:8500/busi/api", want: "consul://127.0.0.1:8500/busi/api", errHas: "dtm-driver-consul does not resolve HTTP"},
	}
	for _, tt := range tests {
		got, ok, err := d.ResolveHTTP(ctx, tt.url)
		switch {
		case tt.errHas != "" && (err == nil || !strings.Contains(err.Error(), tt.errHas)):
			t.Errorf("ResolveHTTP(%q) error %v, want one containing %q", tt.url, err, tt.errHas)
		case tt.errHas == "" && err != nil:
			t.Errorf("ResolveHTTP(%q): %v", tt.url, err)
		case got != tt.want || ok != tt.ok:
			t.Errorf("ResolveHTTP(%q) = %q, %v; want %q, %v", tt.url, got, ok, tt.want, tt.ok)
		}
	}
	// The resolved URL reaches the server.
	resolved, _, _ := d.ResolveHTTP(ctx, "statichttp://"+addr+"/api/ping")
	resp, err := http.Get(resolved)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "reached /api/ping" {
		t.Errorf("GET %s = %q", resolved, body)
	}
	// Plain HTTP URLs, the common case, cost no allocation.
	plain := srv.URL + "/api"
	if n := testing.AllocsPerRun(100, func() { _, _, _ = d.ResolveHTTP(ctx, plain) }); n != 0 {
		t.Errorf("ResolveHTTP of an http URL allocates %v times, want 0", n)
	}
}

func TestRegisterHTTPService(t *testing.T) {
	static := &staticHTTP{}
	d := newDriver(func() []dtmdriver.Driver {
		return []dtmdriver.Driver{lookup(t, dtmdriver.DefaultName), lookup(t, "dtm-driver-consul"), static}
	})
	// The Consul driver on this branch does not publish HTTP: its target is
	// skipped (with a warning), the other is registered.
	if err := d.RegisterHTTPService("statichttp://dtm; consul://127.0.0.1:1/dtm", "127.0.0.1:36789"); err != nil {
		t.Fatalf("RegisterHTTPService: %v", err)
	}
	if got := strings.Join(static.targets, "|"); got != "statichttp://dtm 127.0.0.1:36789" {
		t.Errorf("the HTTP driver got %q", got)
	}
	err := d.RegisterHTTPService("consul://127.0.0.1:1/dtm", "127.0.0.1:36789")
	if err == nil || !strings.Contains(err.Error(), "no driver of the targets publishes HTTP") || !strings.Contains(err.Error(), "dtm-driver-consul") {
		t.Errorf("RegisterHTTPService with no HTTP driver: %v, want an error naming the drivers", err)
	}
	if err := d.RegisterHTTPService("etcd://127.0.0.1:1/dtm", "127.0.0.1:36789"); err == nil || !strings.Contains(err.Error(), `scheme "etcd"`) {
		t.Errorf("RegisterHTTPService with an unknown scheme: %v", err)
	}
}
