package polaris

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/polarismesh/polaris-go/pkg/model"
)

// Instance is one instance of a Polaris service as the server lists it, in
// rotation or not: [ListInstances] gives them for diagnostics (the dtmdriver
// command's resolve and check).
type Instance struct {
	ID       string            `json:"id"`
	Host     string            `json:"host"`
	Port     int               `json:"port"`
	Protocol string            `json:"protocol,omitempty"`
	Weight   int               `json:"weight"`
	Healthy  bool              `json:"healthy"`
	Isolated bool              `json:"isolated"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// ListInstances asks the servers of c (Addresses, and Token when they have
// auth on; empty Addresses mean EnvAddresses) once for every instance of
// service in namespace ("" for DefaultNamespace), healthy, unhealthy or
// isolated, through the naming API the resolvers read (so within the
// server's naming cache reload of the truth). An unknown service has no
// instances. It dials its own connection and closes it before it returns,
// and answers within ctx's deadline or 5 s. Errors name the servers and the
// service, never the token.
func ListInstances(ctx context.Context, c Config, namespace, service string) ([]Instance, error) {
	if namespace == "" {
		namespace = DefaultNamespace
	}
	list := strings.Join(c.Addresses, ",")
	if len(c.Addresses) == 0 {
		list = strings.TrimSpace(os.Getenv(EnvAddresses))
		c.Token = os.Getenv(EnvToken)
	}
	addrs, reason := splitAddrs(list)
	if reason != "" {
		return nil, dtmdriver.URIForm("host:port").Reject(list, reason)
	}
	for what, name := range map[string]string{"service name": service, "namespace": namespace} {
		if reason := checkName(what, name); reason != "" {
			return nil, fmt.Errorf("polaris: %s", reason)
		}
	}
	conn, err := newDiscoverConn(serverConfig{addrs: addrs, token: c.Token})
	if err != nil {
		return nil, err
	}
	defer conn.conn.Close()
	x := &discoverer{key: model.ServiceKey{Namespace: namespace, Service: service}}
	defer x.close()
	type answer struct {
		instances []model.Instance
		err       error
	}
	done := make(chan answer, 1)
	go func() {
		ins, _, err := x.fetch(conn)
		done <- answer{ins, err}
	}()
	var a answer
	select {
	case a = <-done:
	case <-ctx.Done():
		_ = conn.conn.Close() // ends the fetch's Recv
		<-done
		a.err = ctx.Err()
	}
	where := fmt.Sprintf("polaris: instances of %s/%s on %s", namespace, service, dtmdriver.Quote(strings.Join(addrs, ",")))
	switch {
	case errors.Is(a.err, errNotFound):
		return []Instance{}, nil
	case a.err != nil:
		return nil, fmt.Errorf("%s: %w", where, a.err)
	}
	out := make([]Instance, 0, len(a.instances))
	for _, in := range a.instances {
		out = append(out, Instance{
			ID: in.GetId(), Host: in.GetHost(), Port: int(in.GetPort()), Protocol: in.GetProtocol(),
			Weight: in.GetWeight(), Healthy: in.IsHealthy(), Isolated: in.IsIsolated(),
			Metadata: maps.Clone(in.GetMetadata()),
		})
	}
	slices.SortFunc(out, func(a, b Instance) int {
		if c := strings.Compare(a.Host, b.Host); c != 0 {
			return c
		}
		return a.Port - b.Port
	})
	return out, nil
}
