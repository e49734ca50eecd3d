package polaris

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
	"github.com/dtmdrivers/drivers/testenv/polaristest/provider"
	"github.com/polarismesh/polaris-go/api"
)

func httpBackend(t *testing.T, name string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, name+" "+r.URL.RequestURI())
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func registerHTTP(t *testing.T, ctx api.SDKContext, ns, service, addr string, md map[string]string) {
	t.Helper()
	deregister, err := provider.RegisterHTTP(api.NewProviderAPIByContext(ctx), ns, service, addr, md)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = deregister() })
}

// TestResolveHTTP: HTTP instances registered with protocol http, as polaris-go
// HTTP services register, are reached in turn with the path and query
// unchanged; gRPC instances of the same service and instances without the
// wanted metadata are skipped; a service with none fails with a clear error.
func TestResolveHTTP(t *testing.T) {
	srv := startPolaris(t)
	d := newTestDriver(t, srv)
	d.http.Timeout = 5 * time.Second
	p := providerSDK(t, srv)
	a, b := httpBackend(t, "a"), httpBackend(t, "b")
	registerHTTP(t, p, "default", "busi-http", a, map[string]string{"env": "blue"})
	registerHTTP(t, p, "default", "busi-http", b, map[string]string{"env": "green"})
	registerLikeGrpcGoPolaris(t, p, "default", "busi-http", "127.0.0.1:1", map[string]string{"env": "blue"})

	get := func(u string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		resolved, ok, err := d.ResolveHTTP(ctx, u)
		if err != nil {
			return "", err
		}
		if !ok {
			t.Fatalf("ResolveHTTP(%q): ok false", u)
		}
		resp, err := http.Get(resolved)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body), nil
	}
	seen := map[string]bool{}
	dtmdrivertest.WaitFor(t, 20*time.Second, "both HTTP instances reached", func() bool {
		body, err := get("polaris://busi-http/api/busi/TransIn?x=1")
		if err != nil {
			return false // the gRPC instance is never picked: 127.0.0.1:1 refuses
		}
		name, uri, _ := strings.Cut(body, " ")
		if uri != "/api/busi/TransIn?x=1" {
			t.Fatalf("backend saw %q", uri)
		}
		seen[name] = true
		return seen["a"] && seen["b"]
	})
	for range 4 {
		body, err := get("polaris://busi-http;namespace=default;metadata.env=blue/api")
		if err != nil || body != "a /api" {
			t.Fatalf("with metadata.env=blue: %q, %v; want only a", body, err)
		}
	}
	_, _, err := d.ResolveHTTP(context.Background(), "polaris://nosuch-http/api")
	if !errors.Is(err, dtmdriver.ErrNoHTTPInstance) || !strings.Contains(err.Error(), "nosuch-http") {
		t.Errorf("a service without instances: %v; want ErrNoHTTPInstance naming it", err)
	}
}

func TestResolveHTTPRejects(t *testing.T) {
	d := newDriver()
	t.Cleanup(func() { _ = d.Close() })
	tests := []struct{ url, want string }{
		{"polaris:///api", "empty service name"},
		{"polaris://svc;colour=blue/api", `unknown option "colour"`},
		{"polaris://svc;namespace=a b/api", "namespace holds"},
		{"polaris://svc;token=" + dtmdrivertest.Secret + "/api", "is a credential"},
		{"polaris://u:" + dtmdrivertest.Secret + "@svc/api", "userinfo"},
	}
	for _, tc := range tests {
		got, ok, err := d.ResolveHTTP(context.Background(), tc.url)
		if err == nil || !ok || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "polaris://service[;namespace=ns]") {
			t.Errorf("ResolveHTTP(%q) = %q, %v, %v; want an error with %q and the form", tc.url, got, ok, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), dtmdrivertest.Secret) {
			t.Errorf("error %q quotes the secret", err)
		}
	}
}

// TestRegisterHTTPService: dtm's HTTP endpoint is published as
// "<service>-http" (or http-service=) with protocol http, and withdrawn by
// Close.
func TestRegisterHTTPService(t *testing.T) {
	srv := startPolaris(t)
	ep := httpBackend(t, "dtm")
	for _, tc := range []struct{ query, service string }{
		{"", "dtmservice-http"},
		{"&http-service=dtm-api", "dtm-api"},
	} {
		d := newTestDriver(t, srv)
		target := "polaris://" + srv.GRPCAddr() + "/dtmservice?namespace=default&ttl=5" + tc.query
		if err := d.RegisterHTTPService(target, ep); err != nil {
			t.Fatalf("RegisterHTTPService(%q): %v", target, err)
		}
		dtmdrivertest.WaitFor(t, 20*time.Second, tc.service+" listed", func() bool {
			for _, in := range srv.Instances(t, "default", tc.service) {
				if in.Healthy && in.Protocol == "http" {
					return true
				}
			}
			return false
		})
		// The driver's own HTTP resolution finds it.
		dtmdrivertest.WaitFor(t, 20*time.Second, tc.service+" resolved", func() bool {
			got, _, err := d.ResolveHTTP(context.Background(), "polaris://"+tc.service+"/api/ping")
			return err == nil && got == "http://"+ep+"/api/ping"
		})
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		dtmdrivertest.WaitFor(t, 20*time.Second, tc.service+" withdrawn", func() bool {
			l, err := srv.List(context.Background(), tc.service)
			return err == nil && !slices.Contains(l, ep)
		})
	}
}

// FuzzParseHTTPKey: the key parser of HTTP URLs never panics, and a key it
// accepts names a service and a namespace.
func FuzzParseHTTPKey(f *testing.F) {
	for _, s := range []string{"busi-http", "busi-http;namespace=ns;metadata.env=blue", "svc;token=x", "svc;metadata.%zz=1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		s, reason := parseHTTPKey(key)
		if reason == "" && (s.key.Service == "" || s.key.Namespace == "") {
			t.Errorf("parseHTTPKey(%q) accepted a key without a service or namespace", key)
		}
	})
}
