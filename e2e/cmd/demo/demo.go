package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/dtm-labs/dtm/client/dtmgrpc"
	"github.com/dtm-labs/dtm/client/dtmgrpc/dtmgimp"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/e2e/internal/busi"
	"github.com/dtmdrivers/drivers/e2e/internal/dtmserver"
	"github.com/dtmdrivers/drivers/e2e/internal/scenario"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// The story's figures.
const (
	service     = "busi"
	okAmount    = 30 // the saga that succeeds
	failAmount  = 50 // the saga whose TransIn is refused
	openBalance = 100
)

// printer writes lines from the demo and from the busi servers' goroutines.
type printer struct {
	mu  sync.Mutex
	out io.Writer
}

func (p *printer) say(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.out, format+"\n", args...)
}

// run tells the story through sc's driver. It starts dtm, which cannot be
// stopped: call it once per process.
func run(out io.Writer, sc *scenario.Scenario, verbose bool) error {
	start := time.Now()
	p := &printer{out: out}
	p.say("driver %s: %s", sc.Driver, sc.About)
	// Select the driver before anything dials (see e2etest.Start).
	if err := dtmdriver.Use(sc.Driver); err != nil {
		return err
	}
	var stops []func()
	defer func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}()

	if sc.StartRegistry != nil {
		t := time.Now()
		stop, about, err := sc.StartRegistry()
		if err != nil {
			return fmt.Errorf("starting the registry: %w", err)
		}
		stops = append(stops, stop)
		p.say("registry: %s, ready in %v", about, since(t))
	}

	dir, err := os.MkdirTemp("", "dtm-demo-")
	if err != nil {
		return err
	}
	stops = append(stops, func() { os.RemoveAll(dir) })
	level, output := "error", "/dev/null"
	if verbose {
		level, output = "info", "stderr"
	}
	t := time.Now()
	dtm, err := dtmserver.Start(dtmserver.Config{
		Dir: dir, Driver: sc.Driver, Registration: sc.Registration, LogLevel: level, LogOutput: output,
	})
	if err != nil {
		return err
	}
	p.say("dtm v1.19.0: gRPC on %s, ready in %v; registered through the driver:\n  Target %s, EndPoint %s",
		dtm.GrpcAddr, since(t), dtm.Target, dtm.EndPoint)
	t = time.Now()
	var found []string
	err = scenario.PollTimeout(30*time.Second, 20*time.Millisecond, "dtm in the registry", func() (bool, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		var err error
		found, err = sc.FindDTM(ctx, dtm.Target)
		return contains(found, dtm.EndPoint), err
	})
	if err != nil {
		return err
	}
	p.say("  the registry lists dtm at %s (seen after %v)", strings.Join(found, ", "), since(t))

	bank := busi.NewBank(map[int]int64{1: openBalance, 2: openBalance})
	bank.OnCall = func(server, method string, t busi.Transfer) {
		if method == "TransInRevert" && t.Amount == failAmount {
			// dtm compensates the refused branch too; the barrier makes it a no-op.
			p.say("    %s: %s: nothing to undo, TransIn was refused", server, method)
			return
		}
		p.say("    %s: %s", server, describe(method, t))
	}
	bank.Fail = func(server, method string, t busi.Transfer) error {
		if method == "TransIn" && t.Amount == failAmount {
			p.say("    %s: %s refused: payee account closed", server, describe(method, t))
			return status.Error(codes.Aborted, "payee account closed")
		}
		return nil
	}
	t = time.Now()
	var addrs []string
	for _, name := range []string{"busi-a", "busi-b"} {
		addr, stop, err := sc.Serve(service, func(s *grpc.Server) { bank.Register(s, name) })
		if err != nil {
			return err
		}
		stops = append(stops, stop)
		addrs = append(addrs, name+" on "+addr)
	}
	p.say("busi: %s, two instances of %q, registered in %v", strings.Join(addrs, " and "), service, since(t))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	listed, err := sc.Lookup(ctx, service)
	cancel()
	if err != nil {
		return err
	}
	p.say("  the registry lists %s at %s", service, strings.Join(listed, ", "))

	uri := sc.BranchURI(service, "/"+busi.ServiceName+"/TransOut")
	target, method, err := dtmdriver.GetDriver().ParseServerMethod(uri)
	if err != nil {
		return err
	}
	p.say("branch URI %s\n  resolves to gRPC target %s, method %s (calls spread over the instances)", uri, target, method)

	server := sc.DTMServer(dtm.GrpcAddr)
	p.say("clients reach dtm at %s", server)
	tr, err := saga(p, dtm, sc, server, okAmount, "succeed")
	if err != nil {
		return err
	}
	p.say("  final status: %s", tr.Status)
	tr, err = saga(p, dtm, sc, server, failAmount, "failed")
	if err != nil {
		return err
	}
	p.say("  final status: %s (rollback reason: %s)", tr.Status, tr.RollbackReason)

	b1, b2 := bank.Balance(1), bank.Balance(2)
	p.say("balances: user 1 = %d, user 2 = %d", b1, b2)
	if b1 != openBalance-okAmount || b2 != openBalance+okAmount {
		return errors.New("balances do not add up")
	}
	if err := httpStory(p, dtm, sc, &stops); err != nil {
		return err
	}

	t = time.Now()
	if err := dtmdriver.Close(); err != nil {
		return fmt.Errorf("withdrawing dtm's registration: %w", err)
	}
	for i := len(stops) - 1; i >= 0; i-- {
		stops[i]()
	}
	stops = nil
	p.say("withdrew dtm's registration, stopped the busi servers and the registry in %v; dtm ends with the process", since(t))
	p.say("demo finished in %v", since(start))
	return nil
}

// saga submits a transfer saga of amount from user 1 to user 2 and waits
// until dtm says it ended want.
func saga(p *printer, dtm *dtmserver.Server, sc *scenario.Scenario, server string, amount int64, want string) (*dtmserver.Trans, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := dtmgimp.MustGetDtmClient(server).NewGid(ctx, &emptypb.Empty{})
	if err != nil {
		return nil, fmt.Errorf("new gid from dtm at %s: %w", server, err)
	}
	uri := func(m string) string { return sc.BranchURI(service, "/"+busi.ServiceName+"/"+m) }
	p.say("saga %s: transfer %d from user 1 to user 2", r.Gid, amount)
	start := time.Now()
	s := dtmgrpc.NewSagaGrpc(server, r.Gid).
		Add(uri("TransOut"), uri("TransOutRevert"), busi.Transfer{User: 1, Amount: amount}.Encode()).
		Add(uri("TransIn"), uri("TransInRevert"), busi.Transfer{User: 2, Amount: amount}.Encode())
	// Submit's error says nothing final: the status dtm keeps does.
	_ = s.Submit()
	tr, err := dtm.WaitFinal(r.Gid, want, 20*time.Second, 5*time.Millisecond)
	if err != nil {
		return nil, err
	}
	p.say("  dtm: %s after %v", tr.Status, since(start))
	return tr, nil
}

// describe says what a busi method does, e.g. "TransOut 30 from user 1".
func describe(method string, t busi.Transfer) string {
	switch method {
	case "TransOut", "TransInRevert":
		return fmt.Sprintf("%s %d from user %d", method, t.Amount, t.User)
	default:
		return fmt.Sprintf("%s %d to user %d", method, t.Amount, t.User)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }
