package multi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
)

// busiHTTP is an HTTP busi server that answers with the path it was asked.
func busiHTTP(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "reached "+r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// HTTP URLs go to the driver of their scheme (protocol1's static list needs no
// registry); URLs of no linked scheme and plain ones pass through untouched.
func TestHTTPRoutesByScheme(t *testing.T) {
	srv := busiHTTP(t)
	d := newDriver(func() []dtmdriver.Driver {
		return []dtmdriver.Driver{lookup(t, dtmdriver.DefaultName), lookup(t, "dtm-driver-consul"), lookup(t, "dtm-driver-protocol1")}
	})
	ctx := context.Background()
	addr := strings.TrimPrefix(srv.URL, "http://")

	tests := []struct {
		url, want string
		ok        bool
	}{
		{url: "protocol1://" + addr + "/api/busi/TransIn?gid=1", want: srv.URL + "/api/busi/TransIn?gid=1", ok: true},
		{url: srv.URL + "/api/busi/TransIn", want: srv.URL + "/api/busi/TransIn"},
		{url: "https://example.com/x", want: "https://example.com/x"},
		{url: "nosuch://svc/x", want: "nosuch://svc/x"},
	}
	for _, tt := range tests {
		got, ok, err := d.ResolveHTTP(ctx, tt.url)
		if err != nil || got != tt.want || ok != tt.ok {
			t.Errorf("ResolveHTTP(%q) = %q, %v, %v; want %q, %v, nil", tt.url, got, ok, err, tt.want, tt.ok)
		}
	}
	resolved, _, _ := d.ResolveHTTP(ctx, "protocol1://"+addr+"/api/ping")
	if body := get(t, resolved); body != "reached /api/ping" {
		t.Errorf("GET %s = %q", resolved, body)
	}
	// Plain HTTP URLs, the common case, cost no allocation.
	plain := srv.URL + "/api"
	if n := testing.AllocsPerRun(100, func() { _, _, _ = d.ResolveHTTP(ctx, plain) }); n != 0 {
		t.Errorf("ResolveHTTP of an http URL allocates %v times, want 0", n)
	}
	// The composite names every linked driver's HTTP forms.
	desc := d.Describe()
	forms := strings.Join(desc.HTTPForms, " ")
	if !strings.Contains(forms, "protocol1://") || !strings.Contains(forms, "consul://") {
		t.Errorf("Describe().HTTPForms = %q, want the protocol1 and consul forms", desc.HTTPForms)
	}
}

// A consul:// HTTP URL is resolved through a real agent by the Consul driver,
// and a failing lookup names the service, without hanging past the context.
func TestHTTPThroughConsul(t *testing.T) {
	agent := startAgents(t, 1)[0]
	srv := busiHTTP(t)
	d := newDriver(func() []dtmdriver.Driver {
		return []dtmdriver.Driver{lookup(t, dtmdriver.DefaultName), lookup(t, "dtm-driver-consul"), lookup(t, "dtm-driver-protocol1")}
	})
	service := fmt.Sprintf("multi-busi-http-%d", time.Now().UnixNano()%1e9)
	prefix := agent.PublishHTTP(t, service, strings.TrimPrefix(srv.URL, "http://"), "/api/ping")

	var resolved string
	dtmdrivertest.WaitFor(t, 20*time.Second, "the agent to pass the HTTP instance", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		u, ok, err := d.ResolveHTTP(ctx, prefix+"/api/busi/TransOut")
		resolved = u
		return err == nil && ok
	})
	if resolved != srv.URL+"/api/busi/TransOut" {
		t.Errorf("resolved %q, want %q", resolved, srv.URL+"/api/busi/TransOut")
	}
	if body := get(t, resolved); body != "reached /api/busi/TransOut" {
		t.Errorf("GET %s = %q", resolved, body)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, _, err := d.ResolveHTTP(ctx, "consul://"+agent.Addr()+"/no-such-http-service/api")
	if err == nil || !strings.Contains(err.Error(), "no-such-http-service") {
		t.Errorf("ResolveHTTP of a service with no instance: %v, want an error naming it", err)
	}
}

// dtm's HTTP endpoint is published under each target whose driver publishes
// HTTP (Consul) and skipped for one that cannot (protocol1: a static list);
// Close withdraws it.
func TestRegisterHTTPService(t *testing.T) {
	agent := startAgents(t, 1)[0]
	d := newDriver(func() []dtmdriver.Driver {
		return []dtmdriver.Driver{lookup(t, dtmdriver.DefaultName), lookup(t, "dtm-driver-consul"), lookup(t, "dtm-driver-protocol1")}
	})
	t.Cleanup(func() { _ = d.Close() })
	service := fmt.Sprintf("multi-dtm-%d", time.Now().UnixNano()%1e9)
	srv := busiHTTP(t)
	endpoint := strings.TrimPrefix(srv.URL, "http://")
	target := fmt.Sprintf("protocol1://%s; consul://%s/%s", endpoint, agent.Addr(), service)
	if err := d.RegisterHTTPService(target, endpoint); err != nil {
		t.Fatalf("RegisterHTTPService: %v", err)
	}
	dtmdrivertest.WaitFor(t, 20*time.Second, "the agent to list dtm's HTTP endpoint", func() bool {
		return len(listed(t, agent, service+"-http")) > 0
	})
	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	dtmdrivertest.WaitFor(t, 20*time.Second, "Close to withdraw dtm's HTTP endpoint", func() bool {
		return len(listed(t, agent, service+"-http")) == 0
	})

	if err := d.RegisterHTTPService("etcd://127.0.0.1:1/dtm", endpoint); err == nil || !strings.Contains(err.Error(), `scheme "etcd"`) {
		t.Errorf("RegisterHTTPService with an unlinked scheme: %v, want an error naming the scheme", err)
	}
}
