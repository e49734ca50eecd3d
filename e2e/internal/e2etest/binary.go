package e2etest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dtm-labs/dtm/client/dtmgrpc"
	"github.com/dtmdrivers/drivers/e2e/internal/busi"
	"github.com/dtmdrivers/drivers/e2e/internal/dtmserver"
	"github.com/dtmdrivers/drivers/e2e/internal/scenario"
)

// binaryService prefixes the services the dtm binaries register under,
// beside the in-process dtm's scenario.DTMService.
const binaryService = "dtmbinary"

// binaryServiceFor is the service the dtm binary of test t registers under:
// binaryService and the test's own name, so that tests running side by side
// never share one. A binary that a finished test killed stays listed until
// the registry's health check notices; under a shared name, another test's
// calls would be balanced onto its dead address.
func binaryServiceFor(t *testing.T) string {
	var b strings.Builder
	b.WriteString(binaryService)
	b.WriteByte('-')
	_, name, _ := strings.Cut(t.Name(), "/") // without the top-level test
	name = strings.TrimPrefix(name, "Transactions/")
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}

// TrialsEnv sets how many times BinaryStops stops a dtm binary and times its
// deregistration (default 3).
const TrialsEnv = "E2E_BINARY_TRIALS"

// dtmBinary returns the dtm binary that make check-publish installed from the
// modules as published: $DTMDRIVERS_BIN/dtm. It fails the test when
// DTMDRIVERS_BIN is set (make test) and the binary is missing, and skips it
// otherwise.
func dtmBinary(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("DTMDRIVERS_BIN")
	bin := filepath.Join(dir, "dtm")
	if _, err := os.Stat(bin); dir == "" || err != nil {
		if dir != "" {
			t.Fatalf("%v (looked for %s)", dtmserver.ErrNoBinary, bin)
		}
		t.Skip(dtmserver.ErrNoBinary)
	}
	return bin
}

// startBinary starts the dtm binary with the row's driver, registered under
// binaryServiceFor(t), and waits until the registry lists it.
func startBinary(t *testing.T, sc *scenario.Scenario, bin string, env ...string) *dtmserver.Process {
	t.Helper()
	return startBinaryAs(t, sc, bin, binaryServiceFor(t), "", env...)
}

// startBinaryAs starts the dtm binary registered under service, its data in
// the Redis server at redis ("" for BoltDB of its own), and waits until the
// registry lists it.
func startBinaryAs(t *testing.T, sc *scenario.Scenario, bin, service, redis string, env ...string) *dtmserver.Process {
	t.Helper()
	p, err := dtmserver.StartProcess(bin, dtmserver.Config{
		Dir:      t.TempDir(),
		Driver:   sc.Driver,
		Env:      env,
		LogLevel: os.Getenv(LogEnv),
		Redis:    redis,
		Registration: func(grpcAddr string) (string, string) {
			target, endpoint := sc.Registration(grpcAddr)
			return strings.Replace(target, scenario.DTMService, service, 1), endpoint
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	err = scenario.PollTimeout(30*time.Second, 5*time.Millisecond, "the dtm binary listed in the registry", func() (bool, error) {
		addrs, err := sc.FindDTM(context.Background(), p.Target)
		return slices.Contains(addrs, p.EndPoint), err
	})
	if err != nil {
		t.Fatalf("%v; dtm's output:\n%s", err, p.Output())
	}
	return p
}

// testBinary runs a saga through the dtm binary (cmd/dtm as installed), a
// process of its own that links every driver and picks this row's from its
// configuration file; clients reach it through the registry.
func testBinary(t *testing.T, sc *scenario.Scenario) { sagaThroughBinary(t, sc) }

// sagaThroughBinary starts the dtm binary for sc, with env added to its
// environment, and runs a saga through it.
func sagaThroughBinary(t *testing.T, sc *scenario.Scenario, env ...string) *dtmserver.Process {
	p := startBinary(t, sc, dtmBinary(t), env...)
	server := binaryServer(sc, p, binaryServiceFor(t))
	f := newFixture(t, sc, "busi-a")
	gid := newGid(t, server)
	s := dtmgrpc.NewSagaGrpc(server, gid).
		Add(f.uri("TransOut"), f.uri("TransOutRevert"), busi.Transfer{User: payer, Amount: 40}.Encode()).
		Add(f.uri("TransIn"), f.uri("TransInRevert"), busi.Transfer{User: payee, Amount: 40}.Encode())
	if err := s.Submit(); err != nil {
		t.Fatalf("Submit to the dtm binary: %v", err)
	}
	if _, err := p.WaitFinal(gid, "succeed", quick, 5*time.Millisecond); err != nil {
		t.Fatalf("%v; dtm's output:\n%s", err, p.Output())
	}
	f.wantBalances(t, 60, 140)
	return p
}

// binaryServer is the URI through which clients reach the dtm binaries
// registered under service (p's own address for a row without a registry).
func binaryServer(sc *scenario.Scenario, p *dtmserver.Process, service string) string {
	return strings.Replace(sc.DTMServer(p.GrpcAddr), scenario.DTMService, service, 1)
}

// testBinaryStops sends SIGTERM to a dtm binary and times how long the
// registry keeps listing it and how long a client's resolver (the driver's,
// watching dtm's service) keeps it; the binary must withdraw its
// registration, say so and exit 0. It repeats for $E2E_BINARY_TRIALS trials
// and logs p50 and max.
func testBinaryStops(t *testing.T, sc *scenario.Scenario) {
	bin := dtmBinary(t)
	trials := 3
	if v, err := strconv.Atoi(os.Getenv(TrialsEnv)); err == nil && v > 0 {
		trials = v
	}
	var listed, resolved []time.Duration
	for i := range trials {
		p := startBinary(t, sc, bin)
		w := watchResolver(t, binaryServer(sc, p, binaryServiceFor(t)))
		if err := scenario.PollTimeout(30*time.Second, time.Millisecond, "the driver's resolver listing dtm", func() (bool, error) {
			return w.Has(p.EndPoint), nil
		}); err != nil {
			t.Fatalf("trial %d: %v", i, err)
		}
		start := time.Now()
		if err := p.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		var inRegistry, inResolver time.Duration
		err := scenario.PollTimeout(30*time.Second, time.Millisecond, "the registry and the resolver dropping the stopped dtm", func() (bool, error) {
			if inRegistry == 0 {
				addrs, err := sc.FindDTM(context.Background(), p.Target)
				if err != nil {
					return false, err
				}
				if !slices.Contains(addrs, p.EndPoint) {
					inRegistry = time.Since(start)
				}
			}
			if inResolver == 0 && !w.Has(p.EndPoint) {
				inResolver = time.Since(start)
			}
			return inRegistry > 0 && inResolver > 0, nil
		})
		if err != nil {
			t.Fatalf("trial %d: %v; dtm's output:\n%s", i, err, p.Output())
		}
		if err := p.Wait(15 * time.Second); err != nil {
			var exit interface{ ExitCode() int }
			if !errors.As(err, &exit) || exit.ExitCode() != 0 {
				t.Fatalf("trial %d: dtm exited with %v after SIGTERM, want 0; its output:\n%s", i, err, p.Output())
			}
		}
		if !strings.Contains(p.Output(), "registration withdrawn") {
			t.Errorf("trial %d: dtm did not log that it withdrew its registration; its output:\n%s", i, p.Output())
		}
		listed, resolved = append(listed, inRegistry), append(resolved, inResolver)
	}
	t.Logf("%s: SIGTERM → the registry no longer lists dtm, %d trials: %s; → the driver's resolver drops it: %s",
		sc.Name, trials, p50max(listed), p50max(resolved))
}

// p50max formats the median and the maximum of ds.
func p50max(ds []time.Duration) string {
	slices.Sort(ds)
	return fmt.Sprintf("p50 %v, max %v", ds[len(ds)/2].Round(time.Millisecond), ds[len(ds)-1].Round(time.Millisecond))
}
