// Package scenario describes one driver's row in the end-to-end tests and the
// demo: how to start its registry, how dtm registers itself there, how business
// servers are started and registered the framework's way, and how branch URIs
// name them. The rows live in the packages below (protocol1, gozero, polaris,
// consul); each links its driver in with an import, and only its driver.
package scenario

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
)

// DTMService is the service (etcd key, Consul service, Polaris service) the
// rows register dtm under.
const DTMService = "dtmservice"

// Scenario is one driver's row. Its functions are called from one process that
// runs one dtm server configured with Driver.
type Scenario struct {
	// Name is the short name of the row, e.g. "protocol1".
	Name string
	// Tag is the build tag that links the row's driver into cmd/clientapp
	// and the demo; empty means Name.
	Tag string
	// Driver is the driver's registered name, dtm's MicroService.Driver.
	Driver string
	// About says in a line what the driver resolves through.
	About string

	// StartRegistry starts the driver's registry and returns how to stop it and
	// a line describing it. It runs once, before dtm starts. Nil when there is
	// no registry.
	StartRegistry func() (stop func(), about string, err error)

	// Registration returns dtm's MicroService.Target and EndPoint for a dtm
	// listening for gRPC on grpcAddr (127.0.0.1:port).
	Registration func(grpcAddr string) (target, endpoint string)

	// FindDTM looks in the registry, with the registry's own client, for what
	// dtm registered under target and returns the addresses listed there.
	FindDTM func(ctx context.Context, target string) ([]string, error)

	// Lookup returns the addresses the registry lists for service, as the
	// registry's own client sees them.
	Lookup func(ctx context.Context, service string) ([]string, error)

	// DTMServer returns the address of dtm that clients (dtmgrpc, the client app)
	// use: a URI that reaches dtm through the driver, not host:port.
	DTMServer func(grpcAddr string) string

	// Serve starts one instance of service on 127.0.0.1: a gRPC server to which
	// register adds the business service, registered the way the framework's own
	// services register (go-zero: a zrpc server; Polaris: polaris-go's provider
	// API; Consul: a service with a health check). It returns once the registry
	// lists the instance. stop stops the gRPC server as a crash would: the
	// registration may stay until the registry notices. Registrations end with
	// the process.
	Serve func(service string, register func(*grpc.Server)) (addr string, stop func(), err error)

	// BranchURI returns the branch URI of the gRPC method ("/busi.Busi/TransIn")
	// of service, in the driver's form. It is called after the service's
	// instances are served.
	BranchURI func(service, method string) string

	// Disrupt, when not nil, disrupts the registry as an outage would (kills
	// the leader of a clustered registry) and says what it did. The registry
	// must keep serving: the end-to-end tests run it while sagas are submitted.
	Disrupt func() (string, error)

	// StartSecured starts, for one test, a registry of the row's kind with
	// authentication on, and returns the row against it. Nil when the
	// driver's registry has no authentication.
	StartSecured func(t *testing.T) *Secured

	// HTTP is the row's HTTP side (HTTP branches and dtm's HTTP API through
	// the registry), or nil.
	HTTP *HTTPRow

	// ClientAppEnv is the environment a client app of its own (cmd/clientapp)
	// needs beside its command line, e.g. the registry's address; nil for none.
	ClientAppEnv func() []string
}

// BuildTag returns the build tag that links the row's driver in.
func (sc *Scenario) BuildTag() string {
	if sc.Tag != "" {
		return sc.Tag
	}
	return sc.Name
}

// Secured is a row against a registry of its own with authentication on, for
// the dtm binary's tests: Registration's target carries dtm's credentials,
// Serve registers business instances with the services' own, FindDTM and
// Lookup read with an account that may, and BranchURI names services in it.
// DTMServer reaches dtm from the test process.
type Secured struct {
	*Scenario
	// Refused are registrations the registry must refuse.
	Refused []Refusal
	// Secrets are the passwords and tokens in play, right and wrong: none may
	// appear in what dtm or our code prints.
	Secrets []string
	// BinaryEnv is added to the dtm binary's environment.
	BinaryEnv []string
	// LogDirs hold files that the registry's client library writes in the dtm
	// binary's process (polaris-go's logs), to be searched for Secrets.
	LogDirs []string
}

// Refusal is a registration of dtm that a registry with authentication on
// refuses.
type Refusal struct {
	// Name says what is wrong with it, e.g. "no token".
	Name string
	// Registration is dtm's MicroService.Target and EndPoint.
	Registration func(grpcAddr string) (target, endpoint string)
	// Want is what dtm's output says, in part, when the registry refuses it.
	Want string
}

// FindByPath returns a FindDTM for registries whose target names dtm's
// service in its path ("consul://agent/dtmservice", "etcd://h:2379/dtmservice"):
// it asks lookup about that service.
func FindByPath(lookup func(ctx context.Context, service string) ([]string, error)) func(ctx context.Context, target string) ([]string, error) {
	return func(ctx context.Context, target string) ([]string, error) {
		u, err := url.Parse(target)
		if err != nil {
			return nil, err
		}
		return lookup(ctx, strings.TrimPrefix(u.Path, "/"))
	}
}

// ServeListed starts a plain gRPC server as ServeGRPC does, publishes its address
// with publish, and returns once lookup lists it under service (polling every
// interval, 20 s at most). On failure it stops the server.
func ServeListed(service string, register func(*grpc.Server), publish func(addr string) error,
	lookup func(ctx context.Context, service string) ([]string, error), interval time.Duration) (string, func(), error) {
	addr, stop, err := ServeGRPC(register)
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

// ServeGRPC starts a plain gRPC server on a free 127.0.0.1 port, with register
// adding services to it, and returns its address and its Stop.
func ServeGRPC(register func(*grpc.Server)) (addr string, stop func(), err error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := grpc.NewServer()
	register(srv)
	go func() { _ = srv.Serve(lis) }()
	return lis.Addr().String(), srv.Stop, nil
}

// FreeAddr returns 127.0.0.1:port for a port that was free a moment ago, for
// servers that listen by themselves (zrpc).
func FreeAddr() (string, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer lis.Close()
	return lis.Addr().String(), nil
}

// Poll calls cond every interval until it reports done or ctx ends; it returns
// cond's last error, or ctx's error with it.
func Poll(ctx context.Context, interval time.Duration, what string, cond func() (bool, error)) error {
	for {
		done, err := cond()
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return fmt.Errorf("%s: %w (last error: %v)", what, ctx.Err(), err)
			}
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-time.After(interval):
		}
	}
}

// PollTimeout is Poll with a deadline timeout from now.
func PollTimeout(timeout, interval time.Duration, what string, cond func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return Poll(ctx, interval, what, cond)
}
