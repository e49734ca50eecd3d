package e2etest

import (
	"context"
	"fmt"
	"os"
	"testing"
)

// Scenario is one driver's row in the end-to-end tests: how to start its
// registry, how dtm registers itself there, how business servers are published
// and how branch URIs name them.
type Scenario struct {
	// Name is the short name of the driver, e.g. "protocol1".
	Name string
	// Driver is the driver's registered name, dtm's MicroService.Driver.
	Driver string

	// StartRegistry starts the driver's registry and returns how to stop it.
	// It runs once, from Main, before dtm starts. Nil when there is no registry.
	StartRegistry func() (stop func(), err error)

	// Registration returns dtm's MicroService.Target and EndPoint for a dtm
	// listening for gRPC on grpcAddr (127.0.0.1:port).
	Registration func(grpcAddr string) (target, endpoint string)

	// FindDTM looks in the registry for what dtm registered under target and
	// returns the addresses found there.
	FindDTM func(ctx context.Context, target string) ([]string, error)

	// DTMServer returns the address of dtm that clients (dtmgrpc, the client app)
	// use: a URI that reaches dtm through the driver, not host:port.
	DTMServer func(grpcAddr string) string

	// Publish makes the business gRPC server listening on addr known as one
	// instance of service, the way the framework's own services register.
	// Registrations are withdrawn with t.Cleanup.
	Publish func(t testing.TB, service, addr string)

	// BranchURI returns the branch URI of the gRPC method ("/busi.Busi/TransIn")
	// of service, in the driver's form. It is called after the service's instances
	// are published.
	BranchURI func(service, method string) string
}

// dtm is the dtm server of this test process, started by Main.
var dtm *DTM

// Main starts sc's registry and a dtm server configured with sc's driver, runs
// the tests, and exits. Call it from TestMain. The driver must be linked in by
// a blank import in the test package.
func Main(m *testing.M, sc *Scenario) {
	os.Exit(mainRun(m, sc))
}

func mainRun(m *testing.M, sc *Scenario) int {
	if sc.StartRegistry != nil {
		stop, err := sc.StartRegistry()
		if err != nil {
			fmt.Fprintf(os.Stderr, "e2e %s: starting the registry: %v\n", sc.Name, err)
			return 1
		}
		defer stop()
	}
	dir, err := os.MkdirTemp("", "dtm-e2e-"+sc.Name+"-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	dtm, err = startDTM(dir, sc.Driver, sc.Registration)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e %s: starting dtm: %v\n", sc.Name, err)
		return 1
	}
	return m.Run()
}
