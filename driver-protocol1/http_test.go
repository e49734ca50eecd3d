package protocol1

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func startHTTP(t *testing.T, name string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, name+" "+r.URL.RequestURI())
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestResolveHTTP(t *testing.T) {
	a, b := startHTTP(t, "a"), startHTTP(t, "b")
	seen := map[string]int{}
	for range 4 {
		u, ok, err := driver{}.ResolveHTTP(context.Background(), "protocol1://"+a+","+b+"/api/busi/TransIn?x=1")
		if err != nil || !ok {
			t.Fatalf("ResolveHTTP = %q, %v, %v", u, ok, err)
		}
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		name, uri, _ := strings.Cut(string(body), " ")
		if uri != "/api/busi/TransIn?x=1" {
			t.Errorf("server saw %q; want the path and query unchanged", uri)
		}
		seen[name]++
	}
	if seen["a"] != 2 || seen["b"] != 2 {
		t.Errorf("4 calls over 2 addresses: %v; want 2 each (round robin)", seen)
	}
}

func TestResolveHTTPRejects(t *testing.T) {
	tests := []struct{ url, want string }{
		{"protocol1://h/api", `address "h" is not host:port`},
		{"protocol1:///api", "no address"},
		{"protocol1://u:p@h:1/api", "credentials"},
		{"protocol1://h:1,,h:2/api", "is not host:port"},
	}
	for _, tc := range tests {
		u, ok, err := driver{}.ResolveHTTP(context.Background(), tc.url)
		if err == nil || !ok || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), string(httpForm)) {
			t.Errorf("ResolveHTTP(%q) = %q, %v, %v; want an error with %q and the form", tc.url, u, ok, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "u:p") {
			t.Errorf("error %q quotes the credentials", err)
		}
	}
}

func BenchmarkResolveHTTP(b *testing.B) {
	for _, bc := range []struct{ name, url string }{
		{"owned", "protocol1://127.0.0.1:8081,127.0.0.1:8082/api/busi/TransIn"},
		{"plain", "http://127.0.0.1:8081/api/busi/TransIn"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := (driver{}).ResolveHTTP(context.Background(), bc.url); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
