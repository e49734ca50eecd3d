package consultest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"
)

// HTTPCheckInterval is the interval of the HTTP check [Agent.RegisterHTTP]
// registers. Spring Cloud Consul's default is 10 s; tests use 1 s so that a
// stopped instance leaves the passing list within about a second.
const HTTPCheckInterval = time.Second

// RegisterHTTP registers the HTTP server at addr as an instance of service
// the way Spring Cloud Consul registers an HTTP application: the ID
// "<service>-<host>-<port>", the meta secure=false (true when secure is set,
// with an https check), and an HTTP check on healthPath that the agent runs
// every [HTTPCheckInterval], deregistering after a minute critical. The agent
// decides the instance's health: it starts critical and passes after the
// first check. It returns a function that deregisters the instance.
func (a *Agent) RegisterHTTP(service, addr, healthPath string, secure bool) (withdraw func(), err error) {
	if a == nil {
		return nil, fmt.Errorf("consultest: no agent is running")
	}
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("consultest: registering %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("consultest: registering %q: %w", addr, err)
	}
	scheme := "http"
	if secure {
		scheme = "https"
	}
	id := fmt.Sprintf("%s-%s-%d", service, host, port)
	reg := map[string]any{
		"ID": id, "Name": service, "Address": host, "Port": port,
		"Meta": map[string]string{"secure": strconv.FormatBool(secure)},
		"Checks": []map[string]any{{
			"CheckID":                        id,
			"HTTP":                           scheme + "://" + addr + healthPath,
			"Interval":                       HTTPCheckInterval.String(),
			"Timeout":                        HTTPCheckInterval.String(),
			"TLSSkipVerify":                  secure,
			"DeregisterCriticalServiceAfter": time.Minute.String(),
		}},
	}
	if err := a.do(context.Background(), http.MethodPut, "/v1/agent/service/register", reg, nil); err != nil {
		return nil, fmt.Errorf("consultest: registering HTTP %s as %s: %w", addr, service, err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			_ = a.do(context.Background(), http.MethodPut, "/v1/agent/service/deregister/"+url.PathEscape(id), nil, nil)
		})
	}, nil
}

// PublishHTTP is [Agent.RegisterHTTP] for a test: the instance is withdrawn
// when t's test ends. It returns the HTTP URL prefix of the service,
// "consul://<agent>/<service>". On a nil *Agent it skips the test.
func (a *Agent) PublishHTTP(t testing.TB, service, addr, healthPath string) string {
	t.Helper()
	if a == nil {
		t.Skip("needs a Consul agent: not with -short")
	}
	withdraw, err := a.RegisterHTTP(service, addr, healthPath, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(withdraw)
	return "consul://" + a.Addr() + "/" + service
}
