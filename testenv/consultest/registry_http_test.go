package consultest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// An HTTP service registered with RegisterHTTP passes once the agent's HTTP
// check reaches it, goes critical when it stops, and is gone once withdrawn.
func TestRegisterHTTP(t *testing.T) {
	a := Start(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health" {
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	addr := strings.TrimPrefix(srv.URL, "http://")
	withdraw, err := a.RegisterHTTP("http-svc", addr, "/health", false)
	if err != nil {
		t.Fatal(err)
	}
	waitList := func(what string, want []string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			l, err := a.List(context.Background(), "http-svc")
			if err == nil && slices.Equal(l, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the agent lists %q (%v); want %q", what, l, err, want)
			}
			time.Sleep(50 * time.Millisecond) // polling the agent until the deadline
		}
	}
	waitList("passing", []string{addr})
	srv.Close()
	waitList("critical after the server stopped", []string{})
	withdraw()
	if _, err := a.RegisterHTTP("x", "no-port", "/health", false); err == nil {
		t.Error("RegisterHTTP of an address without a port succeeded")
	}
}
