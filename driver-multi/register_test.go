package multi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/consultest"
)

// startAgents starts n real Consul agents, one per "registry".
func startAgents(t *testing.T, n int) []*consultest.Agent {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: needs Consul agents")
	}
	agents := make([]*consultest.Agent, n)
	for i := range agents {
		agents[i] = consultest.Start(t)
	}
	return agents
}

func useMulti(t *testing.T) {
	t.Helper()
	if err := dtmdriver.Use(DriverName); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := std.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}

func listed(t *testing.T, a *consultest.Agent, service string) []string {
	return dtmdrivertest.Listed(t, a, service)
}

// One target per registry: dtm is listed in each, and Close withdraws all.
func TestRegisterInEveryRegistryAndCloseWithdrawsAll(t *testing.T) {
	agents := startAgents(t, 2)
	useMulti(t)
	service := fmt.Sprintf("multi-dtm-%d", time.Now().UnixNano()%1e9)
	endpoint := dtmdrivertest.StartHealthServer(t, service)
	target := fmt.Sprintf("consul://%s/%s?interval=1s ; consul://%s/%s?interval=1s;protocol1://%s",
		agents[0].Addr(), service, agents[1].Addr(), service, endpoint)
	start := time.Now()
	if err := std.RegisterGrpcService(target, endpoint); err != nil {
		t.Fatalf("RegisterGrpcService: %v", err)
	}
	for i, a := range agents {
		dtmdrivertest.WaitFor(t, 20*time.Second, fmt.Sprintf("agent %d to list %s", i, endpoint), func() bool {
			return slices.Contains(listed(t, a, service), endpoint)
		})
		// dtm's clients reach it through each registry.
		uri := "consul://" + a.Addr() + "/" + service + "/grpc.health.v1.Health/Check"
		if err := dtmdrivertest.CallHealth(t.Context(), std, uri, service, 20*time.Second); err != nil {
			t.Errorf("through agent %d: %v", i, err)
		}
	}
	t.Logf("registered in 2 registries and reachable through both in %v", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	if err := std.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for i, a := range agents {
		dtmdrivertest.WaitFor(t, 20*time.Second, fmt.Sprintf("agent %d to stop listing %s", i, endpoint), func() bool {
			return !slices.Contains(listed(t, a, service), endpoint)
		})
	}
	t.Logf("withdrawn from both in %v", time.Since(start).Round(time.Millisecond))
}

// Every target is checked before any registration: a target no driver owns
// leaves every registry untouched.
func TestRegisterChecksEveryTargetFirst(t *testing.T) {
	agents := startAgents(t, 1)
	useMulti(t)
	service := fmt.Sprintf("multi-first-%d", time.Now().UnixNano()%1e9)
	tests := []struct {
		target, endpoint string
		errHas           []string
	}{
		{"consul://" + agents[0].Addr() + "/" + service + " etcd://127.0.0.1:2379/dtmservice", "127.0.0.1:36790",
			[]string{`scheme "etcd"`, "dtm-driver-consul: consul"}},
		{"consul://" + agents[0].Addr() + "/" + service + "; 127.0.0.1:2379", "127.0.0.1:36790",
			[]string{"without a scheme"}},
		{"consul://" + agents[0].Addr() + "/" + service, "0.0.0.0:36790", nil},
		{"consul://" + agents[0].Addr() + "/" + service + "; nosuch://user:" + dtmdrivertest.Secret + "@h:1/x", "127.0.0.1:36790",
			[]string{`scheme "nosuch"`}},
		// A target of a linked driver, in a form its driver refuses: refused
		// before the first target is registered, by the driver's own planner.
		{"consul://" + agents[0].Addr() + "/" + service + "; consul://" + agents[0].Addr() + "/" + service + "-2?check=http&token=" + dtmdrivertest.Secret,
			"127.0.0.1:36790", []string{"option check wants tcp or grpc", "dtm-driver-consul"}},
		{"consul://" + agents[0].Addr() + "/" + service + " protocol1://127.0.0.1", "127.0.0.1:36790",
			[]string{"dtm-driver-protocol1", "is not host:port"}},
	}
	for _, tt := range tests {
		err := std.RegisterGrpcService(tt.target, tt.endpoint)
		switch {
		case err == nil:
			t.Errorf("RegisterGrpcService(%q, %q) = nil, want an error", tt.target, tt.endpoint)
			continue
		case !errors.Is(err, dtmdriver.ErrBadURI):
			t.Errorf("error %q does not wrap ErrBadURI", err)
		case strings.Contains(err.Error(), dtmdrivertest.Secret):
			t.Errorf("error quotes the credential: %q", err)
		}
		for _, want := range tt.errHas {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q: want it to contain %q", err, want)
			}
		}
	}
	// Nothing was registered: not even for a moment (the checks come first).
	if got := listed(t, agents[0], service); len(got) != 0 {
		t.Errorf("the agent lists %q under %q after refused targets", got, service)
	}
}

// When a registration fails, those made before it are withdrawn.
func TestRegisterRollsBackOnFailure(t *testing.T) {
	agents := startAgents(t, 2)
	useMulti(t)
	// The real Consul driver, counted: the test sees that the first target was
	// registered before the rollback withdrew it.
	rec := &counted{Driver: lookup(t, "dtm-driver-consul")}
	d := newDriver(func() []dtmdriver.Driver { return []dtmdriver.Driver{lookup(t, dtmdriver.DefaultName), rec} })
	service := fmt.Sprintf("multi-rollback-%d", time.Now().UnixNano()%1e9)
	endpoint := dtmdrivertest.StartHealthServer(t, service)
	// The first registers; the second names a stopped agent, and fails.
	agents[1].Stop()
	target := fmt.Sprintf("consul://%s/%s?interval=1s; consul://%s/%s?interval=1s",
		agents[0].Addr(), service, agents[1].Addr(), service)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- d.RegisterGrpcService(target, endpoint) }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		t.Fatal("RegisterGrpcService with a stopped agent did not return within a minute")
	}
	if err == nil {
		t.Fatal("RegisterGrpcService with a stopped agent = nil, want an error")
	}
	if !strings.Contains(err.Error(), "dtm-driver-consul") || !strings.Contains(err.Error(), agents[1].Addr()) {
		t.Errorf("error %q: want it to name the driver and the failing target", err)
	}
	t.Logf("failed in %v: %v", time.Since(start).Round(time.Millisecond), err)
	if rec.registered.Load() != 1 || rec.closed.Load() != 1 {
		t.Errorf("%d registration(s) succeeded and the driver was closed %d time(s); want 1 and 1",
			rec.registered.Load(), rec.closed.Load())
	}
	dtmdrivertest.WaitFor(t, 20*time.Second, "the first agent to stop listing dtm after the rollback", func() bool {
		return !slices.Contains(listed(t, agents[0], service), endpoint)
	})
}

// counted passes every call to a real driver and counts the registrations
// that succeeded and the Close calls.
type counted struct {
	dtmdriver.Driver
	registered, closed atomic.Int32
}

func (c *counted) RegisterGrpcService(target, endpoint string) error {
	err := c.Driver.RegisterGrpcService(target, endpoint)
	if err == nil {
		c.registered.Add(1)
	}
	return err
}

func (c *counted) Close() error {
	c.closed.Add(1)
	return c.Driver.(dtmdriver.Closer).Close()
}

func (c *counted) Describe() dtmdriver.Description {
	desc, _ := dtmdriver.Describe(c.Driver)
	return desc
}

// TestPlanRegistration: the composite's plan is each target's, read by the
// driver that owns its scheme, in the order of the list.
func TestPlanRegistration(t *testing.T) {
	s := dtmdrivertest.Secret
	regs, err := std.PlanRegistration("consul://127.0.0.1:8500/dtmservice?token=" + s + "; protocol1://10.0.0.5:36790")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range regs {
		got = append(got, fmt.Sprintf("%s %s %s %s %s", r.Driver, r.Registry, r.ClientURI, r.Target, r.Credentials))
	}
	want := []string{
		"dtm-driver-consul consul consul://127.0.0.1:8500/dtmservice consul://127.0.0.1:8500/dtmservice?token=xxxxx credentials: token",
		"dtm-driver-protocol1  protocol1://10.0.0.5:36790 protocol1://10.0.0.5:36790 no credentials",
	}
	if !slices.Equal(got, want) {
		t.Errorf("plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if regs, err := std.PlanRegistration(""); err != nil || len(regs) != 0 {
		t.Errorf("PlanRegistration(\"\") = %v, %v; want nothing", regs, err)
	}
	for _, target := range []string{";", "consul://h:8500/d?check=http", "zk://h:1/d", "protocol1://h:1 consul:///d?colour=blue&token=" + s} {
		if _, err := std.PlanRegistration(target); err == nil || !errors.Is(err, dtmdriver.ErrBadURI) || strings.Contains(err.Error(), s) {
			t.Errorf("PlanRegistration(%q) error %v; want an ErrBadURI without the credential", target, err)
		}
	}
}
