package e2etest

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/e2e/internal/dtmserver"
	"github.com/dtmdrivers/drivers/e2e/internal/scenario"
)

// LogEnv names the environment variable that sets dtm's log level in tests
// (debug, info, warn, error); dtm logs errors only by default, because every
// retried branch is an error to it.
const LogEnv = "E2E_DTM_LOG"

// dtm is the dtm server of this test process, started by Main.
var dtm *dtmserver.Server

// Main starts sc's registry and a dtm server configured with sc's driver, runs
// the tests, and exits. Call it from TestMain.
func Main(m *testing.M, sc *scenario.Scenario) {
	os.Exit(mainRun(m, sc))
}

func mainRun(m *testing.M, sc *scenario.Scenario) int {
	if err := loopbackOnly(); err != nil {
		// go test -list, -short or -fuzz outside the namespace: run the
		// tests, which skip, and start nothing.
		fmt.Fprintf(os.Stderr, "e2e %s: not starting dtm: %v\n", sc.Name, err)
		return m.Run()
	}
	var err error
	dtm, err = Start(sc, os.Getenv(LogEnv), "stderr")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e %s: %v\n", sc.Name, err)
		return 1
	}
	defer Stop()
	return m.Run()
}

var stops []func()

// Start selects sc's driver, starts its registry and a dtm server configured
// with the driver, and waits until the registry lists dtm. dtm logs at level
// ("" for errors only) to output. [Stop] stops the registry; dtm runs until
// the process ends.
func Start(sc *scenario.Scenario, level, output string) (*dtmserver.Server, error) {
	if err := loopbackOnly(); err != nil {
		return nil, err
	}
	// Select the driver before anything dials: gRPC's resolver registry is a
	// map without a lock, written by RegisterGrpcResolver, and an embedded
	// registry (etcd) dials its own gateway as it starts. dtm's own Use then
	// finds the driver in use.
	if err := dtmdriver.Use(sc.Driver); err != nil {
		return nil, err
	}
	if sc.StartRegistry != nil {
		stop, _, err := sc.StartRegistry()
		if err != nil {
			return nil, fmt.Errorf("starting the registry: %w", err)
		}
		stops = append(stops, stop)
	}
	dir, err := os.MkdirTemp("", "dtm-e2e-"+sc.Name+"-")
	if err != nil {
		Stop()
		return nil, err
	}
	stops = append(stops, func() { os.RemoveAll(dir) })
	d, err := dtmserver.Start(dtmserver.Config{
		Dir: dir, Driver: sc.Driver, Registration: sc.Registration,
		LogLevel: level, LogOutput: output,
	})
	if err != nil {
		Stop()
		return nil, fmt.Errorf("starting dtm: %w", err)
	}
	// The registry may list dtm a moment after it registered (Polaris' cache
	// lags its store); clients that dial dtm through it need it listed.
	err = scenario.PollTimeout(30*time.Second, 20*time.Millisecond, "dtm listed in the registry", func() (bool, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		addrs, err := sc.FindDTM(ctx, d.Target)
		return slices.Contains(addrs, d.EndPoint), err
	})
	if err != nil {
		Stop()
		return nil, err
	}
	if err := registerDTMHTTP(sc, d); err != nil {
		Stop()
		return nil, err
	}
	return d, nil
}

// Stop stops what Start started but dtm, in reverse order.
func Stop() {
	for i := len(stops) - 1; i >= 0; i-- {
		stops[i]()
	}
	stops = nil
}

// waitStatus polls dtm until the transaction gid reaches status want, and fails
// the test when it ends in another final status or the deadline passes.
func waitStatus(t testing.TB, gid, want string, timeout time.Duration) *dtmserver.Trans {
	t.Helper()
	tr, err := dtm.WaitFinal(gid, want, timeout, 5*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// loopbackOnly refuses to start dtm, which listens on every interface, where
// an interface other than loopback is up: it must run in a network namespace
// of its own (scripts/loopback-only.sh, as make test/e2e and make demo do).
func loopbackOnly() error {
	ifaces, err := net.Interfaces()
	if err != nil {
		return fmt.Errorf("listing network interfaces: %w", err)
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp != 0 && ifc.Flags&net.FlagLoopback == 0 {
			return fmt.Errorf("dtm listens on every interface and %s is up: "+
				"run it in a loopback-only network namespace (scripts/loopback-only.sh; make test/e2e)", ifc.Name)
		}
	}
	return nil
}
