package consultest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// PublishTTL is the TTL of the check [Agent.Publish] registers: go-zero's
// zero-contrib consul registry's default. The check is passed every half TTL.
const PublishTTL = 20 * time.Second

// Publish registers addr as an instance of service the way go-zero's
// zero-contrib consul registry registers a zrpc server: the ID
// "<service>-<host>-<port>", the tag "rpc", the meta Protocol=grpc, a TTL
// check ([PublishTTL]) with the ID as its check ID, passing at first and
// deregistered after three TTLs critical, and a heartbeat that passes the
// check every half TTL. When t's test ends the heartbeat stops and the
// instance is deregistered. It returns the branch URI form of the service,
// "consul://<agent>/<service>". On a nil *Agent (no agent under -short) it
// skips the test.
func (a *Agent) Publish(t testing.TB, service, addr string) (server string) {
	t.Helper()
	if a == nil {
		t.Skip("needs a Consul agent: not with -short")
	}
	withdraw, err := a.Register(service, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(withdraw)
	return "consul://" + a.Addr() + "/" + service
}

// Register is [Agent.Publish] for code without a testing.TB (a TestMain, e2e's
// scenarios): it registers addr under service and returns a function that
// stops the heartbeat and deregisters the instance.
func (a *Agent) Register(service, addr string) (withdraw func(), err error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("consultest: publishing %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("consultest: publishing %q: %w", addr, err)
	}
	id := fmt.Sprintf("%s-%s-%d", service, host, port)
	reg := map[string]any{
		"ID": id, "Name": service, "Address": host, "Port": port,
		"Tags": []string{"rpc"}, "Meta": map[string]string{"Protocol": "grpc"},
		"Checks": []map[string]any{{
			"CheckID":                        id,
			"TTL":                            PublishTTL.String(),
			"Status":                         "passing",
			"DeregisterCriticalServiceAfter": (3 * PublishTTL).String(),
		}},
	}
	if err := a.do(context.Background(), http.MethodPut, "/v1/agent/service/register", reg, nil); err != nil {
		return nil, fmt.Errorf("consultest: registering %s as %s: %w", addr, service, err)
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(PublishTTL / 2)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				_ = a.do(context.Background(), http.MethodPut, "/v1/agent/check/pass/"+url.PathEscape(id), nil, nil)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			<-done
			_ = a.do(context.Background(), http.MethodPut, "/v1/agent/service/deregister/"+url.PathEscape(id), nil, nil)
		})
	}, nil
}

// List returns the addresses (host:port, sorted) of service's passing
// instances, as Consul's health API gives them to consumers (the node's
// address for an instance registered without one).
func (a *Agent) List(ctx context.Context, service string) ([]string, error) {
	if a == nil {
		return nil, fmt.Errorf("consultest: no agent is running")
	}
	var entries []struct {
		Node    struct{ Address string }
		Service struct {
			Address string
			Port    int
		}
	}
	if err := a.do(ctx, http.MethodGet, "/v1/health/service/"+url.PathEscape(service)+"?passing=1", nil, &entries); err != nil {
		return nil, fmt.Errorf("consultest: listing %s: %w", service, err)
	}
	addrs := make([]string, 0, len(entries))
	for _, e := range entries {
		host := e.Service.Address
		if host == "" {
			host = e.Node.Address
		}
		addrs = append(addrs, net.JoinHostPort(host, strconv.Itoa(e.Service.Port)))
	}
	slices.Sort(addrs)
	return addrs, nil
}
