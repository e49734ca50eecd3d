package consul

import (
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/consultest"
)

// TestCriticalLeavesRotation fails one instance's check: calls stop reaching
// it, and reach it again once the check passes.
func TestCriticalLeavesRotation(t *testing.T) {
	a := consultest.Start(t)
	c := newAPI(t, a, "")
	const service = "busi"
	checkA := registerTTL(t, c, service, "busi-a", dtmdrivertest.StartHealthServer(t, "a"))
	registerTTL(t, c, service, "busi-b", dtmdrivertest.StartHealthServer(t, "b"))
	conn := dialWith(t, NewBuilder(), "consul://"+a.Addr()+"/"+service)
	reached := func(want bool) func() bool {
		return func() bool {
			got, err := answeredBy(t.Context(), conn, "a", 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			return got == want
		}
	}
	dtmdrivertest.WaitFor(t, 10*time.Second, "a call reaches instance a", reached(true))

	if err := c.Agent().FailTTL(checkA, "test"); err != nil {
		t.Fatal(err)
	}
	// Round robin alternates while both are in rotation: ten calls in a row
	// to b mean a has left it.
	dtmdrivertest.WaitFor(t, 10*time.Second, "ten calls in a row reach instance b", func() bool {
		for range 10 {
			if !reached(false)() {
				return false
			}
		}
		return true
	})
	for range 20 {
		if reached(true)() {
			t.Fatal("a call reached instance a while its check was critical")
		}
	}

	if err := c.Agent().PassTTL(checkA, "test"); err != nil {
		t.Fatal(err)
	}
	dtmdrivertest.WaitFor(t, 10*time.Second, "a call reaches instance a again", reached(true))

	// healthy=false keeps critical instances in rotation, as zero-contrib's
	// resolver does by default.
	if err := c.Agent().FailTTL(checkA, "test"); err != nil {
		t.Fatal(err)
	}
	all := dialWith(t, NewBuilder(), "consul://"+a.Addr()+"/"+service+"?healthy=false")
	dtmdrivertest.WaitFor(t, 10*time.Second, "healthy=false reaches the critical instance", func() bool {
		got, err := answeredBy(t.Context(), all, "a", 5*time.Second)
		return err == nil && got
	})
}

// TestTagFilter resolves only the instances carrying every tag asked for.
func TestTagFilter(t *testing.T) {
	a := consultest.Start(t)
	c := newAPI(t, a, "")
	registerTTL(t, c, "tagged", "untagged", dtmdrivertest.StartHealthServer(t, "untagged"))
	addr := dtmdrivertest.StartHealthServer(t, "tagged")
	host, port := dtmdrivertest.HostPort(t, addr)
	if err := c.Agent().ServiceRegister(&apiReg{ID: "tagged", Name: "tagged", Tags: []string{"rpc", "v2"}, Address: host, Port: port}); err != nil {
		t.Fatal(err)
	}
	conn := dialWith(t, NewBuilder(), "consul://"+a.Addr()+"/tagged?tag=rpc&tag=v2")
	for range 10 {
		if got, err := answeredBy(t.Context(), conn, "tagged", 10*time.Second); err != nil || !got {
			t.Fatalf("call with tag filter: answered by tagged=%v, %v", got, err)
		}
	}
}
