package scenario

import (
	"context"
	"net"
	"net/http"
	"slices"
	"time"
)

// HTTPRow is a row's HTTP side (issue #13): HTTP business services
// registered the way the registry's ecosystem registers them, HTTP URLs in the
// driver's form, and dtm's HTTP API reached through the registry.
type HTTPRow struct {
	// Serve starts an HTTP server with h on 127.0.0.1 as an instance of
	// service, registered as the ecosystem does (Consul: an agent service with
	// an HTTP check; Polaris: an instance with protocol http), and returns once
	// the registry lists it. stop closes the server as a crash would.
	Serve func(service string, h http.Handler) (addr string, stop func(), err error)
	// URL returns the HTTP URL of path ("/api/busi/TransIn") on service, in the
	// driver's form.
	URL func(service, path string) string
	// DTM returns the base URL of dtm's HTTP API ("…/api/dtmsvr") through the
	// registry, for the dtm whose HTTP endpoint is httpAddr.
	DTM func(httpAddr string) string
	// DTMService is the service dtm's HTTP endpoint is registered under, for
	// FindDTM-like lookups; "" when the row has no registry.
	DTMService string
}

// HealthPath is the path on which the servers ServeHTTP starts answer 200,
// for registries' HTTP health checks.
const HealthPath = "/health"

// ServeHTTP starts an HTTP server with h on a free 127.0.0.1 port, HealthPath
// answered beside it, and returns its address and a stop that closes it and
// its connections.
func ServeHTTP(h http.Handler) (addr string, stop func(), err error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.HandleFunc(HealthPath, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(lis) }()
	return lis.Addr().String(), func() { _ = srv.Close() }, nil
}

// ServeHTTPListed starts an HTTP server as ServeHTTP does, publishes it with
// publish, and returns once lookup lists it under service (20 s at most).
func ServeHTTPListed(service string, h http.Handler, publish func(addr string) error,
	lookup func(ctx context.Context, service string) ([]string, error), interval time.Duration) (string, func(), error) {
	addr, stop, err := ServeHTTP(h)
	if err != nil {
		return "", nil, err
	}
	if err := publish(addr); err != nil {
		stop()
		return "", nil, err
	}
	err = PollTimeout(20*time.Second, interval, addr+" listed under "+service, func() (bool, error) {
		addrs, err := lookup(context.Background(), service)
		return slices.Contains(addrs, addr), err
	})
	if err != nil {
		stop()
		return "", nil, err
	}
	return addr, stop, nil
}
