package polaristest

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
)

// Namespace is the namespace [Server.Publish] and [Server.List] use:
// Polaris's default one.
const Namespace = "default"

// Publish registers addr as an instance of service in [Namespace] through
// the HTTP client API (POST /v1/RegisterInstance), protocol grpc, version
// 1.0.0, without a health check: it stays healthy until withdrawn. When t's
// test ends it is isolated, then deregistered (isolation is the change the
// server's naming cache sees; a bare deregistration of a record older than
// its window is not, see the package documentation). It returns the branch
// URI form grpc-go-polaris and driver-polaris share,
// "polaris://<service>?namespace=default": the driver finds the server from
// its own configuration. On a nil *Server (no server under -short) it skips
// the test.
func (s *Server) Publish(t testing.TB, service, addr string) (server string) {
	t.Helper()
	if s == nil {
		t.Skip("needs a Polaris server: not with -short")
	}
	withdraw, err := s.Register(service, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(withdraw)
	return "polaris://" + service + "?namespace=" + Namespace
}

// Register is [Server.Publish] for code without a testing.TB (a TestMain,
// e2e's scenarios): it registers addr under service and returns a function
// that isolates, then deregisters the instance.
func (s *Server) Register(service, addr string) (withdraw func(), err error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("polaristest: publishing %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("polaristest: publishing %q: %w", addr, err)
	}
	inst := map[string]any{
		"namespace": Namespace, "service": service, "host": host, "port": port,
		"protocol": "grpc", "version": "1.0.0",
	}
	if err := s.call("/v1/RegisterInstance", inst); err != nil {
		return nil, fmt.Errorf("polaristest: registering %s as %s/%s: %w", addr, Namespace, service, err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			isolate := map[string]any{"namespace": Namespace, "service": service, "host": host, "port": port, "isolate": true}
			var r polarisResponse
			_ = s.do("PUT", "/naming/v1/instances", []map[string]any{isolate}, &r)
			_ = s.call("/v1/DeregisterInstance", map[string]any{
				"namespace": Namespace, "service": service, "host": host, "port": port,
			})
		})
	}, nil
}

// call POSTs body to a client API path and checks the answer's code.
func (s *Server) call(path string, body any) error {
	var r polarisResponse
	if err := s.do("POST", path, body, &r); err != nil {
		return err
	}
	if r.Code != codeOK {
		return fmt.Errorf("%s: code %d: %s", path, r.Code, r.Info)
	}
	return nil
}

// List returns the addresses (host:port, sorted) of service's healthy, not
// isolated instances in [Namespace], as discovery (POST /v1/Discover, which
// reads the server's naming cache) gives them to consumers.
func (s *Server) List(ctx context.Context, service string) ([]string, error) {
	if s == nil {
		return nil, fmt.Errorf("polaristest: no server is running")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	insts, err := s.discover(Namespace, service)
	if err != nil {
		return nil, fmt.Errorf("polaristest: %w", err)
	}
	var addrs []string
	for _, in := range insts {
		if in.Healthy && !in.Isolate {
			addrs = append(addrs, net.JoinHostPort(in.Host, strconv.Itoa(in.Port)))
		}
	}
	slices.Sort(addrs)
	return addrs, nil
}
