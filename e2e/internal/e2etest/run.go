package e2etest

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dtm-labs/dtm/client/dtmgrpc"
	"github.com/dtm-labs/dtm/client/dtmgrpc/dtmgimp"
	"github.com/dtm-labs/dtm/client/dtmgrpc/dtmgpb"
	"github.com/dtmdrivers/drivers/e2e/internal/busi"
	"github.com/dtmdrivers/drivers/e2e/internal/scenario"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Deadlines. A branch that fails transiently is retried after 2*RetryInterval
// (2 s here) plus up to one cron interval (1 s).
const (
	quick = 10 * time.Second // transactions that need no retry
	retry = 20 * time.Second // transactions that need one or two retries
)

// Run runs the end-to-end tests for sc against the dtm server Main started.
func Run(t *testing.T, sc *scenario.Scenario) {
	if dtm == nil {
		if err := loopbackOnly(); err != nil {
			t.Skipf("no dtm server: %v", err)
		}
		t.Fatal("e2etest.Run needs e2etest.Main in TestMain")
	}
	type test struct {
		name string
		run  func(*testing.T, *scenario.Scenario)
	}
	t.Run("Transactions", func(t *testing.T) {
		tests := []test{
			{"DTMRegistered", testDTMRegistered},
			{"SagaSucceeds", testSagaSucceeds},
			{"SagaRollsBack", testSagaRollsBack},
			{"TCCSucceeds", testTCCSucceeds},
			{"TCCRollsBack", testTCCRollsBack},
			{"MsgSucceeds", testMsgSucceeds},
			{"TransientFailureRetried", testTransientFailureRetried},
			{"InstanceStopped", testInstanceStopped},
			{"ClientApp", testClientApp},
			{"ClientAppUseImport", testClientAppUseImport},
			{"Binary", testBinary},
		}
		if sc.HTTP != nil { // HTTP branches and dtm's HTTP API through the registry
			for _, h := range httpTests {
				tests = append(tests, test{h.name, h.run})
			}
		}
		if sc.StartSecured != nil { // rows whose registry has authentication
			tests = append(tests, test{"BinaryAuth", testBinaryAuth}, test{"BinaryAuthRefused", testBinaryAuthRefused})
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				tc.run(t, sc)
			})
		}
	})
	// Alone, after the others, so that they do not skew it.
	t.Run("SagaRoundTrip", func(t *testing.T) { testSagaRoundTrip(t, sc) })
	if sc.StartRegistry != nil { // without a registry there is nothing to withdraw
		t.Run("BinaryStops", func(t *testing.T) { testBinaryStops(t, sc) })
		t.Run("FailoverSIGTERM", func(t *testing.T) { testFailoverSIGTERM(t, sc) })
		t.Run("FailoverSIGKILL", func(t *testing.T) { testFailoverSIGKILL(t, sc) })
	}
	if sc.Disrupt != nil { // last: the registry stays disrupted
		t.Run("RegistryDisrupted", func(t *testing.T) { testRegistryDisrupted(t, sc) })
	}
}

// dtmServer is the dtm address clients use: a URI through the driver.
func dtmServer(sc *scenario.Scenario) string { return sc.DTMServer(dtm.GrpcAddr) }

// newGid asks dtm for a gid through the driver, as dtmgrpc.MustGenGid does,
// but fails the test instead of panicking.
func newGid(t *testing.T, server string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), quick)
	defer cancel()
	r, err := dtmgimp.MustGetDtmClient(server).NewGid(ctx, &emptypb.Empty{})
	if err != nil {
		t.Fatalf("NewGid from dtm at %s: %v", server, err)
	}
	return r.Gid
}

// testDTMRegistered: dtm published itself through the driver at start; the
// registry holds its endpoint, which answers as dtm, and clients reach dtm
// through the driver's URI.
func testDTMRegistered(t *testing.T, sc *scenario.Scenario) {
	ctx, cancel := context.WithTimeout(context.Background(), quick)
	defer cancel()
	addrs, err := sc.FindDTM(ctx, dtm.Target)
	if err != nil {
		t.Fatalf("finding dtm under %q: %v", dtm.Target, err)
	}
	if !slices.Contains(addrs, dtm.EndPoint) {
		t.Fatalf("found %q under %q, want dtm's endpoint %s among them", addrs, dtm.Target, dtm.EndPoint)
	}
	for _, addr := range addrs {
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		_, err = dtmgpb.NewDtmClient(conn).NewGid(ctx, &emptypb.Empty{})
		conn.Close()
		if err != nil {
			t.Errorf("%s, found under %q, does not answer as dtm: %v", addr, dtm.Target, err)
		}
	}
	if gid := newGid(t, dtmServer(sc)); gid == "" {
		t.Errorf("dtm at %s gave an empty gid", dtmServer(sc))
	}
}

// saga builds the transfer saga of amount from payer to payee on f.
func saga(t *testing.T, sc *scenario.Scenario, f *fixture, amount int64) (*dtmgrpc.SagaGrpc, string) {
	server := dtmServer(sc)
	gid := newGid(t, server)
	s := dtmgrpc.NewSagaGrpc(server, gid).
		Add(f.uri("TransOut"), f.uri("TransOutRevert"), busi.Transfer{User: payer, Amount: amount}.Encode()).
		Add(f.uri("TransIn"), f.uri("TransInRevert"), busi.Transfer{User: payee, Amount: amount}.Encode())
	return s, gid
}

func testSagaSucceeds(t *testing.T, sc *scenario.Scenario) {
	f := newFixture(t, sc, "busi-a")
	s, gid := saga(t, sc, f, 30)
	if err := s.Submit(); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	waitStatus(t, gid, "succeed", quick)
	f.wantBalances(t, 70, 130)
	f.wantCalled(t, "TransOut", "TransIn")
}

func testSagaRollsBack(t *testing.T, sc *scenario.Scenario) {
	f := newFixture(t, sc, "busi-a")
	f.setFail(func(_, method string, _ busi.Transfer) error {
		if method == "TransIn" {
			return status.Error(codes.Aborted, "payee account closed")
		}
		return nil
	})
	s, gid := saga(t, sc, f, 30)
	// Submit's error says nothing final (dtm processes a saga asynchronously):
	// the status dtm keeps does.
	_ = s.Submit()
	tr := waitStatus(t, gid, "failed", quick)
	if !strings.Contains(tr.RollbackReason, "payee account closed") {
		t.Errorf("rollback reason %q does not quote TransIn's error", tr.RollbackReason)
	}
	f.wantBalances(t, openingAmount, openingAmount)
	f.wantCalled(t, "TransOut", "TransOutRevert", "TransInRevert")
}

// tcc runs the transfer as a TCC transaction: the Try calls go from this
// process to the busi servers through the driver, Confirm or Cancel from dtm.
func tcc(t *testing.T, sc *scenario.Scenario, f *fixture, amount int64) (string, error) {
	server := dtmServer(sc)
	gid := newGid(t, server)
	err := dtmgrpc.TccGlobalTransaction(server, gid, func(tcc *dtmgrpc.TccGrpc) error {
		out := busi.Transfer{User: payer, Amount: amount}.Encode()
		if err := tcc.CallBranch(out, f.uri("TransOutTry"), f.uri("TransOutConfirm"), f.uri("TransOutCancel"), &emptypb.Empty{}); err != nil {
			return err
		}
		in := busi.Transfer{User: payee, Amount: amount}.Encode()
		return tcc.CallBranch(in, f.uri("TransInTry"), f.uri("TransInConfirm"), f.uri("TransInCancel"), &emptypb.Empty{})
	})
	return gid, err
}

func testTCCSucceeds(t *testing.T, sc *scenario.Scenario) {
	f := newFixture(t, sc, "busi-a")
	gid, err := tcc(t, sc, f, 40)
	if err != nil {
		t.Fatalf("TCC: %v", err)
	}
	waitStatus(t, gid, "succeed", quick)
	f.wantBalances(t, 60, 140)
	f.wantCalled(t, "TransOutTry", "TransInTry", "TransOutConfirm", "TransInConfirm")
}

func testTCCRollsBack(t *testing.T, sc *scenario.Scenario) {
	f := newFixture(t, sc, "busi-a")
	f.setFail(func(_, method string, _ busi.Transfer) error {
		if method == "TransInTry" {
			return status.Error(codes.Aborted, "payee account frozen")
		}
		return nil
	})
	gid, err := tcc(t, sc, f, 40)
	if status.Code(err) != codes.Aborted {
		t.Errorf("TCC returned %v, want the Try's Aborted error", err)
	}
	waitStatus(t, gid, "failed", quick)
	f.wantBalances(t, openingAmount, openingAmount)
	f.wantCalled(t, "TransOutTry", "TransOutCancel", "TransInCancel")
	if _, n := f.count("TransOutConfirm"); n != 0 {
		t.Errorf("TransOutConfirm answered %d times in a cancelled TCC", n)
	}
}

func testMsgSucceeds(t *testing.T, sc *scenario.Scenario) {
	f := newFixture(t, sc, "busi-a")
	server := dtmServer(sc)
	gid := newGid(t, server)
	m := dtmgrpc.NewMsgGrpc(server, gid).
		Add(f.uri("TransOut"), busi.Transfer{User: payer, Amount: 10}.Encode()).
		Add(f.uri("TransIn"), busi.Transfer{User: payee, Amount: 10}.Encode())
	if err := m.Submit(); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	waitStatus(t, gid, "succeed", quick)
	f.wantBalances(t, 90, 110)
}

// testTransientFailureRetried: TransIn fails once with a retryable code; dtm
// retries it and the saga ends succeed, the money moved once.
func testTransientFailureRetried(t *testing.T, sc *scenario.Scenario) {
	f := newFixture(t, sc, "busi-a")
	var failed atomic.Bool
	f.setFail(func(_, method string, _ busi.Transfer) error {
		if method == "TransIn" && failed.CompareAndSwap(false, true) {
			return status.Error(codes.Unavailable, "database restarting")
		}
		return nil
	})
	s, gid := saga(t, sc, f, 30)
	_ = s.Submit()
	waitStatus(t, gid, "succeed", retry)
	f.wantBalances(t, 70, 130)
	if attempted, answered := f.count("TransIn"); attempted < 2 || answered != 1 {
		t.Errorf("TransIn attempted %d times and answered %d, want a failed attempt and one answer", attempted, answered)
	}
}

// testInstanceStopped: of two instances, the one serving TransIn stops in the
// middle of the call; dtm's retry reaches the other and the saga completes.
func testInstanceStopped(t *testing.T, sc *scenario.Scenario) {
	instanceStopped(t, newFixture(t, sc, "busi-a", "busi-b"), func(f *fixture) (func() error, string) {
		s, gid := saga(t, sc, f, 30)
		return s.Submit, gid
	})
}

// instanceStopped holds the first TransIn on f's instances, stops the
// instance that got it, and checks that dtm's retry reached the other. The
// saga (gRPC or HTTP) is made by newSaga, which returns its Submit and gid.
func instanceStopped(t *testing.T, f *fixture, newSaga func(*fixture) (submit func() error, gid string)) {
	reached := make(chan string, 1)
	release := make(chan struct{})
	var held atomic.Bool
	f.setFail(func(server, method string, _ busi.Transfer) error {
		if method != "TransIn" || !held.CompareAndSwap(false, true) {
			return nil
		}
		reached <- server
		<-release
		return status.Error(codes.Unavailable, server+" is going away")
	})
	submit, gid := newSaga(f)
	_ = submit()
	var stopped string
	select {
	case stopped = <-reached:
	case <-time.After(quick):
		close(release)
		t.Fatal("TransIn never reached a busi instance")
	}
	f.stop(stopped) // does not wait for the handler held above
	close(release)
	waitStatus(t, gid, "succeed", retry)
	f.wantBalances(t, 70, 130)
	by := f.answeredBy("TransIn")
	if len(by) != 1 || by[0] == stopped {
		t.Errorf("TransIn answered by %q; want the instance that kept running, not %s", by, stopped)
	}
}

// testSagaRoundTrip measures Submit to status succeed, as seen by polling dtm,
// over sequential sagas, and logs the median.
func testSagaRoundTrip(t *testing.T, sc *scenario.Scenario) {
	const n = 20
	f := newFixture(t, sc, "busi-a")
	var took []time.Duration
	for range n {
		s, gid := saga(t, sc, f, 1)
		start := time.Now()
		if err := s.Submit(); err != nil {
			t.Fatalf("Submit: %v", err)
		}
		if _, err := dtm.WaitFinal(gid, "succeed", quick, time.Millisecond); err != nil {
			t.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	f.wantBalances(t, openingAmount-n, openingAmount+n)
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	median := (took[n/2-1] + took[n/2]) / 2
	t.Logf("%s: saga round trip (Submit to status succeed, polled every 1ms) over %d sagas: median %v, min %v, max %v",
		sc.Name, n, median.Round(10*time.Microsecond), took[0].Round(10*time.Microsecond), took[n-1].Round(10*time.Microsecond))
}
