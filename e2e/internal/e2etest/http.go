package e2etest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dtm-labs/dtm/client/dtmcli"
	"github.com/dtm-labs/dtm/client/workflow"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/e2e/internal/busi"
	"github.com/dtmdrivers/drivers/e2e/internal/dtmserver"
	"github.com/dtmdrivers/drivers/e2e/internal/scenario"
	"github.com/go-resty/resty/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// HTTP branches through the registry (issue #13). Every URL below is in the
// driver's form: dtm (this process) and the dtmcli client (this process, or
// the client app's) resolve them through the middleware the driver installs
// in github.com/dtm-labs/dtmdriver's Middlewares.HTTP. Nothing here dials a
// host:port it was given directly but dtm's status queries.
var httpTests = []struct {
	name string
	run  func(*testing.T, *scenario.Scenario)
}{
	{"HTTPDTMRegistered", testHTTPDTMRegistered},
	{"HTTPSagaSucceeds", testHTTPSagaSucceeds},
	{"HTTPSagaRollsBack", testHTTPSagaRollsBack},
	{"HTTPTCCSucceeds", testHTTPTCCSucceeds},
	{"HTTPWorkflowSucceeds", testHTTPWorkflowSucceeds},
	{"HTTPInstanceStopped", testHTTPInstanceStopped},
	{"HTTPClientApp", testHTTPClientApp},
	{"HTTPBinary", testHTTPBinary},
}

// registerDTMHTTP publishes dtm's HTTP endpoint as cmd/dtm does when the
// driver implements dtmdriver.HTTPRegistrar (the in-process dtm is dtm's
// own StartSvr, which knows nothing of it), and waits until the registry
// lists it.
func registerDTMHTTP(sc *scenario.Scenario, d *dtmserver.Server) error {
	if sc.HTTP == nil {
		return nil
	}
	hr, ok := dtmdriver.GetDriver().(dtmdriver.HTTPRegistrar)
	if !ok || sc.HTTP.DTMService == "" {
		return nil
	}
	if err := hr.RegisterHTTPService(d.Target, d.HTTPAddr); err != nil {
		return fmt.Errorf("registering dtm's HTTP endpoint %s under %s: %w", d.HTTPAddr, d.Target, err)
	}
	return scenario.PollTimeout(30*time.Second, 20*time.Millisecond, "dtm's HTTP endpoint listed", func() (bool, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		addrs, err := sc.Lookup(ctx, sc.HTTP.DTMService)
		return slices.Contains(addrs, d.HTTPAddr), err
	})
}

// dtmHTTP is dtm's HTTP API through the registry.
func dtmHTTP(sc *scenario.Scenario) string { return sc.HTTP.DTM(dtm.HTTPAddr) }

// newHTTPFixture is newFixture with HTTP instances: net/http servers of
// busi.Bank.HTTPHandler, registered as the row's ecosystem registers them.
func newHTTPFixture(t *testing.T, sc *scenario.Scenario, instances ...string) *fixture {
	t.Helper()
	f := newFixture(t, sc)
	f.service += "-http"
	for _, name := range instances {
		_, stop, err := sc.HTTP.Serve(f.service, f.bank.HTTPHandler(name))
		if err != nil {
			t.Fatalf("serving %s as an HTTP instance of %s: %v", name, f.service, err)
		}
		t.Cleanup(stop)
		f.stops[name] = stop
	}
	return f
}

// url returns the HTTP URL of a busi method, e.g. "TransIn".
func (f *fixture) url(method string) string {
	return f.sc.HTTP.URL(f.service, busi.HTTPPrefix+method)
}

// httpGid asks dtm for a gid over HTTP through the registry, as
// dtmcli.MustGenGid does, but fails the test instead of panicking.
func httpGid(t *testing.T, server string) string {
	t.Helper()
	var res struct {
		Gid string `json:"gid"`
	}
	resp, err := dtmcli.GetRestyClient().R().SetResult(&res).Get(server + "/newGid")
	if err != nil || resp.StatusCode() != 200 || res.Gid == "" {
		t.Fatalf("new gid from dtm at %s: %v (%s)", server, err, resp)
	}
	return res.Gid
}

func httpSaga(t *testing.T, sc *scenario.Scenario, f *fixture, amount int64) (*dtmcli.Saga, string) {
	server := dtmHTTP(sc)
	gid := httpGid(t, server)
	s := dtmcli.NewSaga(server, gid).
		Add(f.url("TransOut"), f.url("TransOutRevert"), busi.HTTPTransfer{User: payer, Amount: amount}).
		Add(f.url("TransIn"), f.url("TransInRevert"), busi.HTTPTransfer{User: payee, Amount: amount})
	return s, gid
}

// testHTTPDTMRegistered: dtm's HTTP API answers through the registry.
func testHTTPDTMRegistered(t *testing.T, sc *scenario.Scenario) {
	if gid := httpGid(t, dtmHTTP(sc)); gid == "" {
		t.Error("empty gid")
	}
}

func testHTTPSagaSucceeds(t *testing.T, sc *scenario.Scenario) {
	f := newHTTPFixture(t, sc, "busi-a", "busi-b")
	s, gid := httpSaga(t, sc, f, 30)
	if err := s.Submit(); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	waitStatus(t, gid, "succeed", quick)
	f.wantBalances(t, 70, 130)
	f.wantCalled(t, "TransOut", "TransIn")
}

func testHTTPSagaRollsBack(t *testing.T, sc *scenario.Scenario) {
	f := newHTTPFixture(t, sc, "busi-a")
	f.setFail(func(_, method string, _ busi.Transfer) error {
		if method == "TransIn" {
			return status.Error(codes.Aborted, "payee refuses")
		}
		return nil
	})
	s, gid := httpSaga(t, sc, f, 30)
	_ = s.Submit()
	waitStatus(t, gid, "failed", retry)
	f.wantBalances(t, 100, 100)
	f.wantCalled(t, "TransOut", "TransOutRevert")
}

func testHTTPTCCSucceeds(t *testing.T, sc *scenario.Scenario) {
	f := newHTTPFixture(t, sc, "busi-a", "busi-b")
	server := dtmHTTP(sc)
	gid := httpGid(t, server)
	err := dtmcli.TccGlobalTransaction(server, gid, func(tcc *dtmcli.Tcc) (*resty.Response, error) {
		resp, err := tcc.CallBranch(busi.HTTPTransfer{User: payer, Amount: 30},
			f.url("TransOutTry"), f.url("TransOutConfirm"), f.url("TransOutCancel"))
		if err != nil {
			return resp, err
		}
		return tcc.CallBranch(busi.HTTPTransfer{User: payee, Amount: 30},
			f.url("TransInTry"), f.url("TransInConfirm"), f.url("TransInCancel"))
	})
	if err != nil {
		t.Fatalf("TCC: %v", err)
	}
	waitStatus(t, gid, "succeed", quick)
	f.wantBalances(t, 70, 130)
	f.wantCalled(t, "TransOutTry", "TransInTry", "TransOutConfirm", "TransInConfirm")
}

var workflowSeq atomic.Int64

// testHTTPWorkflowSucceeds: an HTTP workflow (dtm's workflow package, HTTP
// protocol) whose two branches and whose calls to dtm go through the
// registry; dtm's callback URL is a registry URL too.
func testHTTPWorkflowSucceeds(t *testing.T, sc *scenario.Scenario) {
	f := newHTTPFixture(t, sc, "busi-a", "busi-b")
	cb := newFixture(t, sc)
	cb.service += "-wf"
	_, stop, err := sc.HTTP.Serve(cb.service, workflowCallback{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	workflow.InitHTTP(dtmHTTP(sc), sc.HTTP.URL(cb.service, "/api/workflow/resume"))
	name := fmt.Sprintf("wf-%s-%d", sc.Name, workflowSeq.Add(1))
	err = workflow.Register(name, func(wf *workflow.Workflow, data []byte) error {
		for _, b := range []struct {
			method, revert string
			user           int
		}{{"TransOut", "TransOutRevert", payer}, {"TransIn", "TransInRevert", payee}} {
			body := busi.HTTPTransfer{User: b.user, Amount: 30}
			revert := f.url(b.revert)
			resp, err := wf.NewBranch().OnRollback(func(bb *dtmcli.BranchBarrier) error {
				_, err := wf.NewRequest().SetBody(body).Post(revert)
				return err
			}).NewRequest().SetBody(body).Post(f.url(b.method))
			if err != nil {
				return err
			}
			if resp.StatusCode() != 200 {
				return fmt.Errorf("%s: %s", b.method, resp)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	gid := httpGid(t, dtmHTTP(sc))
	if err := workflow.Execute(name, gid, nil); err != nil {
		t.Fatalf("workflow %s: %v", gid, err)
	}
	waitStatus(t, gid, "succeed", quick)
	f.wantBalances(t, 70, 130)
	f.wantCalled(t, "TransOut", "TransIn")
}

// workflowCallback is the URL dtm calls to resume a workflow that did not
// finish; it hands the call to the workflow package.
type workflowCallback struct{}

func (workflowCallback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := workflow.ExecuteByQS(r.URL.Query(), body); err != nil {
		code := 500
		if errors.Is(err, dtmcli.ErrFailure) {
			code = 409
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(err.Error()))
	}
}

// testHTTPInstanceStopped: of two HTTP instances, the one serving TransIn
// stops in the middle of the call; dtm's retry reaches the other.
func testHTTPInstanceStopped(t *testing.T, sc *scenario.Scenario) {
	instanceStopped(t, newHTTPFixture(t, sc, "busi-a", "busi-b"), func(f *fixture) (func() error, string) {
		s, gid := httpSaga(t, sc, f, 30)
		return s.Submit, gid
	})
}

// testHTTPClientApp: cmd/clientapp, on github.com/dtm-labs/client v1.18.7,
// as its own process, reaches dtm's HTTP API through the registry
// (-dtm-http) and submits a dtmcli saga whose branches are registry URLs.
func testHTTPClientApp(t *testing.T, sc *scenario.Scenario) {
	bin := buildClientApp(t, sc.BuildTag())
	f := newHTTPFixture(t, sc, "busi-a", "busi-b")
	gid := execClientApp(t, sc, bin, "-driver", sc.Driver,
		"-dtm-http", dtmHTTP(sc),
		"-out", f.url("TransOut"), "-out-revert", f.url("TransOutRevert"),
		"-in", f.url("TransIn"), "-in-revert", f.url("TransInRevert"))
	waitStatus(t, gid, "succeed", quick)
	f.wantBalances(t, 75, 125)
}

// testHTTPBinary: the dtm binary (cmd/dtm as installed) publishes its HTTP
// endpoint beside its gRPC one when the driver can (-register-http, on by
// default), and a dtmcli saga reaches it through the registry. Rows whose
// driver publishes nothing (protocol1) skip it.
func testHTTPBinary(t *testing.T, sc *scenario.Scenario) {
	if sc.HTTP.DTMService == "" {
		t.Skip("the row's driver publishes no HTTP endpoint (no registry)")
	}
	p := startBinary(t, sc, dtmBinary(t))
	service := strings.Replace(sc.HTTP.DTMService, scenario.DTMService, binaryServiceFor(t), 1)
	err := scenario.PollTimeout(30*time.Second, 20*time.Millisecond, "the dtm binary's HTTP endpoint listed", func() (bool, error) {
		addrs, err := sc.Lookup(context.Background(), service)
		return slices.Contains(addrs, p.HTTPAddr), err
	})
	if err != nil {
		t.Fatalf("%v; dtm's output:\n%s", err, p.Output())
	}
	server := strings.Replace(sc.HTTP.DTM(p.HTTPAddr), scenario.DTMService, binaryServiceFor(t), 1)
	f := newHTTPFixture(t, sc, "busi-a")
	gid := httpGid(t, server)
	s := dtmcli.NewSaga(server, gid).
		Add(f.url("TransOut"), f.url("TransOutRevert"), busi.HTTPTransfer{User: payer, Amount: 40}).
		Add(f.url("TransIn"), f.url("TransInRevert"), busi.HTTPTransfer{User: payee, Amount: 40})
	if err := s.Submit(); err != nil {
		t.Fatalf("Submit to the dtm binary through %s: %v", server, err)
	}
	if _, err := p.WaitFinal(gid, "succeed", quick, 5*time.Millisecond); err != nil {
		t.Fatalf("%v; dtm's output:\n%s", err, p.Output())
	}
	f.wantBalances(t, 60, 140)
}
