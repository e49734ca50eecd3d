package e2etest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dtm-labs/dtm/client/dtmgrpc"
	"github.com/dtmdrivers/drivers/e2e/internal/busi"
	"github.com/dtmdrivers/drivers/e2e/internal/dtmserver"
	"github.com/dtmdrivers/drivers/e2e/internal/redisstore"
	"github.com/dtmdrivers/drivers/e2e/internal/scenario"
)

// Failover timing: sagas are submitted for before, then one dtm gets the
// signal, and they go on until after past its exit (at most failoverMax
// after the signal). A saga a stopped dtm had accepted is finished by the
// other once dtm's retry interval (10 s, its minimum) and cron interval pass.
const (
	failoverBefore = time.Second
	failoverAfter  = time.Second
	failoverMax    = 30 * time.Second
	failoverFinish = 60 * time.Second
)

// attempt is one saga submitted during a failover test.
type attempt struct {
	gid        string
	start, end time.Time
	err        error
}

// testFailoverSIGTERM and testFailoverSIGKILL: two dtm binaries share one
// Redis store and register under one service, as an operator runs dtm for
// high availability; a client keeps submitting sagas through the registry
// while one of them is stopped. No saga may be lost: every accepted saga
// ends succeed, each branch's effect once (the balances), and a submission
// that failed left either nothing or a saga that also ends succeed.
func testFailoverSIGTERM(t *testing.T, sc *scenario.Scenario) {
	testFailover(t, sc, stopDTM(syscall.SIGTERM))
}
func testFailoverSIGKILL(t *testing.T, sc *scenario.Scenario) {
	testFailover(t, sc, stopDTM(syscall.SIGKILL))
}

// testRegistryDisrupted is the same with both dtm running while the registry
// is disrupted (sc.Disrupt: a clustered registry loses its leader).
func testRegistryDisrupted(t *testing.T, sc *scenario.Scenario) {
	testFailover(t, sc, disruption{
		name: "registry",
		do: func(*dtmserver.Process) (string, error) {
			return sc.Disrupt()
		},
		over: func(_ *dtmserver.Process, since time.Duration) bool { return since > registrySettle },
	})
}

// registrySettle is how long sagas go on after the registry is disrupted:
// a Consul cluster elects a new leader in about 3 s.
const registrySettle = 8 * time.Second

// disruption is what happens to the first dtm or to the registry while sagas
// are submitted, and when it is over.
type disruption struct {
	name string
	do   func(a *dtmserver.Process) (what string, err error)
	over func(a *dtmserver.Process, since time.Duration) bool
}

// stopDTM stops the first of the two dtm processes with sig; it is over
// when that process has exited.
func stopDTM(sig syscall.Signal) disruption {
	return disruption{
		name: strconv.Itoa(int(sig)),
		do: func(a *dtmserver.Process) (string, error) {
			return sig.String() + " to one of two dtm", a.Signal(sig)
		},
		over: func(a *dtmserver.Process, _ time.Duration) bool { return a.Exited() },
	}
}

func testFailover(t *testing.T, sc *scenario.Scenario, d disruption) {
	bin := dtmBinary(t)
	redis, err := redisstore.Start(t.TempDir())
	if errors.Is(err, redisstore.ErrNotInstalled) && os.Getenv("DTMDRIVERS_BIN") == "" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(redis.Stop)
	service := "dtmha-" + d.name
	a := startBinaryAs(t, sc, bin, service, redis.Addr())
	b := startBinaryAs(t, sc, bin, service, redis.Addr())
	server := binaryServer(sc, a, service)
	f := newFixture(t, sc, "busi-a", "busi-b")

	var (
		mu       sync.Mutex
		attempts []attempt
	)
	stopAt := time.Now().Add(failoverBefore)
	var (
		signalled, exited time.Time
		what              string
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			now := time.Now()
			if signalled.IsZero() && now.After(stopAt) {
				signalled = now
				var err error
				if what, err = d.do(a); err != nil {
					t.Error(err)
					return
				}
			}
			if !signalled.IsZero() && exited.IsZero() && d.over(a, now.Sub(signalled)) {
				exited = now
			}
			if (!exited.IsZero() && now.Sub(exited) > failoverAfter) || (!signalled.IsZero() && now.Sub(signalled) > failoverMax) {
				return
			}
			gid := fmt.Sprintf("ha-%s-%s-%d", sc.Name, d.name, i)
			s := dtmgrpc.NewSagaGrpc(server, gid).
				Add(f.uri("TransOut"), f.uri("TransOutRevert"), busi.Transfer{User: payer, Amount: 1}.Encode()).
				Add(f.uri("TransIn"), f.uri("TransInRevert"), busi.Transfer{User: payee, Amount: 1}.Encode())
			err := s.Submit()
			mu.Lock()
			attempts = append(attempts, attempt{gid: gid, start: now, end: time.Now(), err: err})
			mu.Unlock()
		}
	}()
	<-done
	if d.name == strconv.Itoa(int(syscall.SIGTERM)) {
		if err := a.Wait(30 * time.Second); err != nil {
			t.Errorf("the dtm that got SIGTERM: %v; its output:\n%s", err, a.Output())
		}
	}

	// Every saga is asked about at the dtm that kept running.
	var failed []attempt
	succeeded := 0
	for _, at := range attempts {
		if at.err != nil {
			failed = append(failed, at)
			ctx, cancel := context.WithTimeout(context.Background(), quick)
			_, err := b.Query(ctx, at.gid)
			cancel()
			if errors.Is(err, dtmserver.ErrNoTrans) {
				continue // refused before dtm saved it: nothing to finish
			}
		}
		if tr, err := b.WaitFinal(at.gid, "succeed", failoverFinish, 20*time.Millisecond); err != nil {
			t.Errorf("saga %s (submit error: %v): %v (status %+v)", at.gid, at.err, err, tr)
			continue
		}
		succeeded++
	}
	f.wantBalances(t, openingAmount-int64(succeeded), openingAmount+int64(succeeded))

	window := time.Duration(0)
	if len(failed) > 0 {
		last := slices.MaxFunc(failed, func(x, y attempt) int { return x.end.Compare(y.end) })
		window = last.end.Sub(signalled)
	}
	t.Logf("%s, %s (over %v later): %d sagas submitted, %d succeeded, "+
		"%d submissions failed (failover window %v), 0 lost",
		sc.Name, what, exited.Sub(signalled).Round(time.Millisecond), len(attempts), succeeded, len(failed),
		window.Round(time.Millisecond))
	for _, at := range failed {
		t.Logf("  submit %s at +%v failed: %v", at.gid, at.start.Sub(signalled).Round(time.Millisecond), at.err)
	}
}
