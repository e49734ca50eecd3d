package e2etest

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dtmdrivers/drivers/e2e/internal/busi"
	"github.com/dtmdrivers/drivers/e2e/internal/scenario"
	"google.golang.org/grpc"
)

// Opening balances of every fixture's bank: user 1 pays, user 2 receives.
const (
	payer, payee  = 1, 2
	openingAmount = 100
)

// call is one call a busi server received: the method and which instance.
type call struct{ server, method string }

// fixture is one business service for one test: a bank behind one or more
// busi.Busi servers, published as instances of a service of its own.
type fixture struct {
	sc      *scenario.Scenario
	service string
	bank    *busi.Bank

	mu       sync.Mutex
	stops    map[string]func()
	attempts []call // every call, before Fail is asked
	answered []call // calls that succeeded
	fail     func(server, method string, t busi.Transfer) error
}

var serviceSeq atomic.Int64

// newFixture starts one busi server per instance name, each an instance of a
// new service, served and registered as the scenario's framework does.
func newFixture(t *testing.T, sc *scenario.Scenario, instances ...string) *fixture {
	t.Helper()
	f := &fixture{
		sc:      sc,
		service: fmt.Sprintf("busi-%s-%d", sc.Name, serviceSeq.Add(1)),
		bank:    busi.NewBank(map[int]int64{payer: openingAmount, payee: openingAmount}),
		stops:   map[string]func(){},
	}
	f.bank.Fail = func(server, method string, tr busi.Transfer) error {
		f.mu.Lock()
		f.attempts = append(f.attempts, call{server, method})
		fail := f.fail
		f.mu.Unlock()
		if fail != nil {
			return fail(server, method, tr)
		}
		return nil
	}
	f.bank.OnCall = func(server, method string, _ busi.Transfer) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.answered = append(f.answered, call{server, method})
	}
	for _, name := range instances {
		_, stop, err := sc.Serve(f.service, func(s *grpc.Server) { f.bank.Register(s, name) })
		if err != nil {
			t.Fatalf("serving %s as an instance of %s: %v", name, f.service, err)
		}
		t.Cleanup(stop)
		f.stops[name] = stop
	}
	return f
}

// setFail installs a hook that may fail calls; see busi.Bank.Fail.
func (f *fixture) setFail(fail func(server, method string, t busi.Transfer) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fail
}

// stop stops the instance named name, as a crash would: its registration, if
// any, stays until the registry notices.
func (f *fixture) stop(name string) { f.stops[name]() }

// uri returns the branch URI of a busi.Busi method, e.g. "TransIn".
func (f *fixture) uri(method string) string {
	return f.sc.BranchURI(f.service, "/"+busi.ServiceName+"/"+method)
}

// count returns how many calls of method were attempted and how many answered.
func (f *fixture) count(method string) (attempted, answered int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.attempts {
		if c.method == method {
			attempted++
		}
	}
	for _, c := range f.answered {
		if c.method == method {
			answered++
		}
	}
	return attempted, answered
}

// answeredBy returns the instances that answered method.
func (f *fixture) answeredBy(method string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var names []string
	for _, c := range f.answered {
		if c.method == method && !slices.Contains(names, c.server) {
			names = append(names, c.server)
		}
	}
	slices.Sort(names)
	return names
}

// wantBalances checks the payer's and the payee's balances.
func (f *fixture) wantBalances(t *testing.T, payerWant, payeeWant int64) {
	t.Helper()
	if got1, got2 := f.bank.Balance(payer), f.bank.Balance(payee); got1 != payerWant || got2 != payeeWant {
		t.Errorf("balances: payer %d, payee %d; want %d, %d", got1, got2, payerWant, payeeWant)
	}
}

// wantCalled checks that method was answered at least once.
func (f *fixture) wantCalled(t *testing.T, methods ...string) {
	t.Helper()
	for _, m := range methods {
		if _, n := f.count(m); n == 0 {
			t.Errorf("%s was never answered", m)
		}
	}
}
