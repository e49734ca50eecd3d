package consul

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/consultest"
	"github.com/hashicorp/consul/api"
)

// httpBackend is a net/http server that answers "<name> <request URI>" and
// 200 on /health.
func httpBackend(t *testing.T, name string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, name+" "+r.URL.RequestURI())
	}))
	t.Cleanup(srv.Close)
	return srv
}

func hostOf(srv *httptest.Server) string { return strings.TrimPrefix(srv.URL, "http://") }

// get resolves u through d and GETs it; it returns the backend's name and
// the request URI it saw.
func get(t *testing.T, d *driver, u string) (name, uri string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resolved, ok, err := d.ResolveHTTP(ctx, u)
	if err != nil {
		return "", "", err
	}
	if !ok {
		t.Fatalf("ResolveHTTP(%q): ok false for a consul:// URL", u)
	}
	resp, err := noKeepAlive.Get(resolved)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	name, uri, _ = strings.Cut(string(body), " ")
	return name, uri, nil
}

// noKeepAlive leaves no connection (nor goroutine) behind a test's calls.
var noKeepAlive = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

func newHTTPDriver(t *testing.T) *driver {
	d := &driver{}
	d.http.Timeout = 2 * time.Second
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// TestResolveHTTP: two HTTP services registered as Spring Cloud Consul does
// (HTTP check); calls spread over both; a stopped one leaves the rotation
// when its check goes critical.
func TestResolveHTTP(t *testing.T) {
	a := consultest.Start(t)
	d := newHTTPDriver(t)
	b1, b2 := httpBackend(t, "b1"), httpBackend(t, "b2")
	for _, b := range []*httptest.Server{b1, b2} {
		w, err := a.RegisterHTTP("busi-http", hostOf(b), "/health", false)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w)
	}
	dtmdrivertest.WaitFor(t, 10*time.Second, "both instances passing", func() bool {
		l, _ := a.List(context.Background(), "busi-http")
		return len(l) == 2
	})
	u := "consul://" + a.Addr() + "/busi-http/api/busi/TransOut?gid=g1"
	seen := map[string]bool{}
	dtmdrivertest.WaitFor(t, 10*time.Second, "calls reaching both instances", func() bool {
		name, uri, err := get(t, d, u)
		if err != nil {
			t.Fatal(err)
		}
		if uri != "/api/busi/TransOut?gid=g1" {
			t.Fatalf("backend saw %q; want the path and query unchanged", uri)
		}
		seen[name] = true
		return seen["b1"] && seen["b2"]
	})

	// consul:///service: the agent of dtm's registration target.
	d.mu.Lock()
	d.agent = &agentConf{addr: a.Addr()}
	d.mu.Unlock()
	if _, uri, err := get(t, d, "consul:///busi-http/api/busi/TransOut?gid=g1"); err != nil || uri != "/api/busi/TransOut?gid=g1" {
		t.Errorf("consul:///busi-http/...: %q, %v; want it resolved through the configured agent", uri, err)
	}

	b1.Close()
	dtmdrivertest.WaitFor(t, 10*time.Second, "the stopped instance out of rotation", func() bool {
		for range 4 {
			if name, _, err := get(t, d, u); err != nil || name != "b2" {
				return false
			}
		}
		return true
	})
}

// TestResolveHTTPFilters: tag and scheme. An instance tagged v2 with meta
// secure=true (Spring Cloud Consul's mark of an https service) resolves to
// https; gRPC instances (meta Protocol=grpc) and critical ones are skipped.
func TestResolveHTTPFilters(t *testing.T) {
	a := consultest.Start(t)
	c := newAPI(t, a, "")
	d := newHTTPDriver(t)
	regs := []*api.AgentServiceRegistration{
		{ID: "v1", Name: "svc", Address: "127.0.0.1", Port: 1001, Tags: []string{"v1"}},
		{ID: "v2", Name: "svc", Address: "127.0.0.1", Port: 1002, Tags: []string{"v2"}, Meta: map[string]string{"secure": "true"}},
		{ID: "grpc", Name: "svc", Address: "127.0.0.1", Port: 1003, Tags: []string{"v2"}, Meta: map[string]string{"Protocol": "grpc"}},
		{ID: "down", Name: "svc", Address: "127.0.0.1", Port: 1004, Tags: []string{"v2"}},
		{ID: "only-down", Name: "dead", Address: "127.0.0.1", Port: 1005},
	}
	for _, r := range regs {
		status := api.HealthPassing
		if strings.Contains(r.ID, "down") {
			status = api.HealthCritical
		}
		r.Check = &api.AgentServiceCheck{TTL: "10m", Status: status}
		if err := c.Agent().ServiceRegister(r); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	resolve := func(u string) (string, error) {
		got, _, err := d.ResolveHTTP(ctx, u)
		return got, err
	}
	base := "consul://" + a.Addr() + "/"
	var got []string
	for range 4 {
		r, err := resolve(base + "svc/x")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	slices.Sort(got)
	want := []string{"http://127.0.0.1:1001/x", "http://127.0.0.1:1001/x", "https://127.0.0.1:1002/x", "https://127.0.0.1:1002/x"}
	if !slices.Equal(slices.Compact(got), slices.Compact(want)) {
		t.Errorf("svc resolved to %q; want %q (no gRPC, no critical instance)", got, want)
	}
	for range 3 {
		if r, err := resolve(base + "svc;tag=v2/api?q=1"); err != nil || r != "https://127.0.0.1:1002/api?q=1" {
			t.Errorf("svc;tag=v2 resolved to %q, %v; want https://127.0.0.1:1002/api?q=1", r, err)
		}
	}
	start := time.Now()
	_, err := resolve(base + "dead/api")
	if !errors.Is(err, dtmdriver.ErrNoHTTPInstance) || !strings.Contains(err.Error(), `"`+a.Addr()+`/dead"`) {
		t.Errorf("a service with no passing instance: %v; want ErrNoHTTPInstance naming it", err)
	}
	if time.Since(start) > time.Second {
		t.Errorf("a service with no passing instance failed after %s; want at once", time.Since(start))
	}
}

// TestResolveHTTPAgentDown: the last known instances serve while the agent
// is unreachable; a service never listed fails with the agent's error.
func TestResolveHTTPAgentDown(t *testing.T) {
	a := consultest.Start(t)
	d := newHTTPDriver(t)
	d.http.Timeout = 500 * time.Millisecond
	b := httpBackend(t, "b")
	w, err := a.RegisterHTTP("busi-http", hostOf(b), "/health", false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w)
	u := "consul://" + a.Addr() + "/busi-http/api"
	dtmdrivertest.WaitFor(t, 10*time.Second, "the instance resolved", func() bool {
		name, _, err := get(t, d, u)
		return err == nil && name == "b"
	})
	a.Stop()
	for range 3 {
		if name, _, err := get(t, d, u); err != nil || name != "b" {
			t.Fatalf("with the agent stopped: %q, %v; want the last known instance", name, err)
		}
	}
	_, _, err = get(t, d, "consul://"+a.Addr()+"/other-http/api")
	if !errors.Is(err, dtmdriver.ErrNoHTTPInstance) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("an unlisted service with the agent stopped: %v; want ErrNoHTTPInstance with the agent's error", err)
	}
}

func TestResolveHTTPRejects(t *testing.T) {
	d := newHTTPDriver(t)
	tests := []struct{ url, want string }{
		{"consul://h:8500", "no Consul service name"},
		{"consul://h:8500/;tag=x/api", "no Consul service name"},
		{"consul://h/svc/api", `the agent address "h" is not host:port`},
		{"consul://h:8500/svc;colour=blue/api", `option "colour"`},
		{"consul://h:8500/svc;tag=/api", `option "tag"`},
		{"consul://h:8500/svc;token=" + dtmdrivertest.Secret + "/api", "ACL token does not belong"},
		{"consul://u:" + dtmdrivertest.Secret + "@h:8500/svc/api", "credentials"},
	}
	for _, tc := range tests {
		got, ok, err := d.ResolveHTTP(context.Background(), tc.url)
		if err == nil || !ok || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "consul://agent:port/service[;tag=t]") {
			t.Errorf("ResolveHTTP(%q) = %q, %v, %v; want an error with %q and the form", tc.url, got, ok, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), dtmdrivertest.Secret) {
			t.Errorf("error %q quotes the secret", err)
		}
	}
}

// TestRegisterHTTPService: dtm's HTTP endpoint is published as
// "<service>-http" (or http-service=) with an HTTP check on /api/ping, passes,
// and is withdrawn by Close.
func TestRegisterHTTPService(t *testing.T) {
	a := consultest.Start(t)
	ping := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != dtmPingPath {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, `{"msg":"pong"}`)
	}))
	t.Cleanup(ping.Close)
	ep := hostOf(ping)
	tests := []struct{ target, service string }{
		{"consul://" + a.Addr() + "/dtmservice?interval=1s", "dtmservice-http"},
		{"consul://" + a.Addr() + "/dtmservice?interval=1s&http-service=dtm-api", "dtm-api"},
	}
	for _, tc := range tests {
		d := &driver{}
		if err := d.RegisterHTTPService(tc.target, ep); err != nil {
			t.Fatalf("RegisterHTTPService(%q): %v", tc.target, err)
		}
		dtmdrivertest.WaitFor(t, 10*time.Second, tc.service+" passing", func() bool {
			l, _ := a.List(context.Background(), tc.service)
			return slices.Equal(l, []string{ep})
		})
		svcs, _, err := newAPI(t, a, "").Catalog().Service(tc.service, "", nil)
		if err != nil || len(svcs) != 1 || svcs[0].ServiceMeta["Protocol"] != "http" {
			t.Errorf("catalog entry of %s: %+v, %v; want one with meta Protocol=http", tc.service, svcs, err)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		dtmdrivertest.WaitFor(t, 10*time.Second, tc.service+" withdrawn", func() bool {
			l, err := a.List(context.Background(), tc.service)
			return err == nil && len(l) == 0
		})
	}
	if err := (&driver{}).RegisterHTTPService("consul://"+a.Addr()+"/dtm?http-service=a/b", ep); err == nil ||
		!strings.Contains(err.Error(), "option http-service wants") {
		t.Errorf("http-service with '/': %v", err)
	}
}

// FuzzParseHTTPKey: the key parser of HTTP URLs never panics, and a key it
// accepts names a service.
func FuzzParseHTTPKey(f *testing.F) {
	for _, s := range []string{"127.0.0.1:8500/busi-http", "/busi-http;tag=v2;dc=dc1", "h:1/svc;token=x", "u:p@h:1/s", "h/s;;", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		s, reason := parseHTTPKey(key)
		if reason == "" && s.service == "" {
			t.Errorf("parseHTTPKey(%q) accepted a key without a service", key)
		}
	})
}
