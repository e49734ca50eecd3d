package consultest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
)

// RegisterPassing registers addr as an instance of service with no check of
// its own, so passing with the agent's node, and no heartbeat: for code that
// registers instances by the thousand (the scale benchmarks), where one
// heartbeat each would crowd the agent's 200 connections per client IP. It
// returns a function that deregisters the instance.
func (a *Agent) RegisterPassing(service, addr string) (withdraw func(), err error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("consultest: registering %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("consultest: registering %q: %w", addr, err)
	}
	id := fmt.Sprintf("%s-%s-%d", service, host, port)
	reg := map[string]any{"ID": id, "Name": service, "Address": host, "Port": port, "Tags": []string{"rpc"}}
	if err := a.do(context.Background(), http.MethodPut, "/v1/agent/service/register", reg, nil); err != nil {
		return nil, fmt.Errorf("consultest: registering %s as %s: %w", addr, service, err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			_ = a.do(context.Background(), http.MethodPut, "/v1/agent/service/deregister/"+url.PathEscape(id), nil, nil)
		})
	}, nil
}
