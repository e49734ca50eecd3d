package consultest_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/testenv/consultest"
)

// call sends a request to the agent's HTTP API and returns the status code
// and body.
func call(t *testing.T, a *consultest.Agent, method, path, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, a.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("X-Consul-Token", token)
	}
	c := &http.Client{Timeout: 5 * time.Second}
	defer c.CloseIdleConnections()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

const service = `{"Name": "dtmservice", "ID": "dtm1", "Address": "127.0.0.1", "Port": 36790}`

// registerService registers dtmservice on the agent and waits until the
// catalog lists it.
func registerService(t *testing.T, a *consultest.Agent, token string) {
	t.Helper()
	if code, body := call(t, a, http.MethodPut, "/v1/agent/service/register", token, service); code != http.StatusOK {
		t.Fatalf("register: %d %s", code, body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(healthService(t, a, token)) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("dtmservice not in the catalog after 10s")
		}
		<-time.After(20 * time.Millisecond)
	}
}

// healthService returns the instances of dtmservice the health API lists.
func healthService(t *testing.T, a *consultest.Agent, token string) []json.RawMessage {
	t.Helper()
	code, body := call(t, a, http.MethodGet, "/v1/health/service/dtmservice", token, "")
	if code != http.StatusOK {
		t.Fatalf("health: %d %s", code, body)
	}
	var entries []json.RawMessage
	if err := json.Unmarshal([]byte(body), &entries); err != nil {
		t.Fatalf("health: %v in %q", err, body)
	}
	return entries
}

func TestStart(t *testing.T) {
	start := time.Now()
	a := consultest.Start(t)
	t.Logf("agent ready at %s after %v", a.Addr(), time.Since(start))

	if !strings.HasPrefix(a.Addr(), "127.0.0.1:") || a.URL() != "http://"+a.Addr() {
		t.Errorf("Addr() = %q, URL() = %q", a.Addr(), a.URL())
	}
	if a.Token() != "" {
		t.Errorf("Token() = %q without WithACL", a.Token())
	}
	code, body := call(t, a, http.MethodGet, "/v1/status/leader", "", "")
	if code != http.StatusOK || !strings.Contains(body, "127.0.0.1:") {
		t.Fatalf("leader: %d %s", code, body)
	}
	registerService(t, a, "")
}

func TestRestart(t *testing.T) {
	a := consultest.Start(t)
	addr := a.Addr()
	registerService(t, a, "")

	a.Stop()
	a.Stop() // idempotent
	c := &http.Client{Timeout: 2 * time.Second}
	if resp, err := c.Get(a.URL() + "/v1/status/leader"); err == nil {
		resp.Body.Close()
		t.Fatal("stopped agent still answers")
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Logf("stopped agent: %v", err)
	}

	start := time.Now()
	a.Restart(t)
	t.Logf("restarted after %v", time.Since(start))
	if a.Addr() != addr {
		t.Fatalf("address changed on restart: %s, was %s", a.Addr(), addr)
	}
	// The agent saved the service registered through its agent API in its
	// data directory: it comes back with the agent (the package docs).
	deadline := time.Now().Add(10 * time.Second)
	for len(healthService(t, a, "")) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the service registered before the restart is not back after 10s")
		}
		<-time.After(20 * time.Millisecond)
	}

	// Without its data directory, the agent comes back with nothing.
	a.Stop()
	if err := os.RemoveAll(filepath.Join(a.Dir(), "data")); err != nil {
		t.Fatal(err)
	}
	a.Restart(t)
	if n := len(healthService(t, a, "")); n != 0 {
		t.Fatalf("%d instances of dtmservice after a restart without the data directory, want 0", n)
	}
	registerService(t, a, "")

	a.Restart(t) // restart a running agent
	registerService(t, a, "")
}

func TestACL(t *testing.T) {
	const token = "b1gs3cr3t-0000-4000-8000-000000000001"
	a := consultest.Start(t, consultest.WithACL(token))
	if a.Token() != token {
		t.Fatalf("Token() = %q, want %q", a.Token(), token)
	}

	code, body := call(t, a, http.MethodPut, "/v1/agent/service/register", "", service)
	if code != http.StatusForbidden {
		t.Fatalf("anonymous register: %d %s, want 403", code, body)
	}
	code, body = call(t, a, http.MethodPut, "/v1/agent/service/register", "wrong-token", service)
	if code != http.StatusForbidden {
		t.Fatalf("register with a wrong token: %d %s, want 403", code, body)
	}
	registerService(t, a, token)
	// Default deny: an anonymous reader sees nothing.
	if n := len(healthService(t, a, "")); n != 0 {
		t.Fatalf("anonymous health query saw %d instances, want 0", n)
	}

	// After a restart the token still works (the service may come back from
	// the agent's data directory; see TestRestart), and default deny holds.
	a.Restart(t)
	registerService(t, a, token)
	if n := len(healthService(t, a, "")); n != 0 {
		t.Fatalf("after the restart, an anonymous health query saw %d instances, want 0", n)
	}
}

func TestPublishList(t *testing.T) {
	a := consultest.Start(t)
	var server string
	t.Run("publish", func(t *testing.T) {
		server = a.Publish(t, "kit-rpc", "127.0.0.1:1")
		a.Publish(t, "kit-rpc", "127.0.0.1:2")
		got, err := a.List(t.Context(), "kit-rpc")
		if err != nil || !slices.Equal(got, []string{"127.0.0.1:1", "127.0.0.1:2"}) {
			t.Fatalf("List = %q, %v; want both published addresses", got, err)
		}
		code, body := call(t, a, http.MethodGet, "/v1/agent/checks", "", "")
		if code != http.StatusOK || !strings.Contains(body, `"kit-rpc-127.0.0.1-1"`) || !strings.Contains(body, `"ttl"`) {
			t.Errorf("agent checks: %d %s; want a TTL check named after the instance", code, body)
		}
	})
	if want := "consul://" + a.Addr() + "/kit-rpc"; server != want {
		t.Errorf("Publish returned %q, want %q", server, want)
	}
	if got, err := a.List(t.Context(), "kit-rpc"); err != nil || len(got) != 0 {
		t.Errorf("List after the publishing test ended = %q, %v; want nothing", got, err)
	}
}

// TestRegisterPassing lists an instance registered without a check as
// passing, and no longer once withdrawn.
func TestRegisterPassing(t *testing.T) {
	a := consultest.Start(t)
	withdraw, err := a.RegisterPassing("bulk", "127.0.0.1:7001")
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.List(t.Context(), "bulk")
	if err != nil || !slices.Equal(got, []string{"127.0.0.1:7001"}) {
		t.Fatalf("listed %v, %v; want the instance, passing", got, err)
	}
	withdraw()
	if got, err := a.List(t.Context(), "bulk"); err != nil || len(got) != 0 {
		t.Fatalf("listed %v, %v after the withdrawal; want none", got, err)
	}
}
