package consul

import (
	"fmt"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/consultest"
	"github.com/hashicorp/consul/api"
)

// registerWeighted registers addr under service with the given Consul weights
// and a TTL check "ttl:"+id, passing; registering the same id again updates
// the weights.
func registerWeighted(t *testing.T, c *api.Client, service, id, addr string, passing, warning int) (checkID string) {
	t.Helper()
	host, port := dtmdrivertest.HostPort(t, addr)
	checkID = "ttl:" + id
	reg := &api.AgentServiceRegistration{
		ID: id, Name: service, Address: host, Port: port,
		Weights: &api.AgentWeights{Passing: passing, Warning: warning},
		Check:   &api.AgentServiceCheck{CheckID: checkID, TTL: "10m", Status: api.HealthPassing},
	}
	if err := c.Agent().ServiceRegister(reg); err != nil {
		t.Fatalf("registering %s: %v", id, err)
	}
	return checkID
}

// TestWeights registers three instances with Consul weights 1, 2 and 7 on a
// real agent: over 10,000 calls through the driver, the split matches the
// weights within 5%. Then the weights change in Consul, and the split follows;
// then one instance's check warns, and with healthy=false its Warning weight
// counts.
func TestWeights(t *testing.T) {
	a := consultest.Start(t)
	c := newAPI(t, a, "")
	service := uniq("weighted")
	servers := dtmdrivertest.StartCountingServers(t, 3)
	register := func(passing, warning []int) []string {
		checks := make([]string, len(servers))
		for i, s := range servers {
			checks[i] = registerWeighted(t, c, service, fmt.Sprintf("%s-%d", service, i), s.Addr, passing[i], warning[i])
		}
		return checks
	}
	register([]int{1, 2, 7}, []int{1, 1, 1})
	conn := dialWith(t, NewBuilder(), "consul://"+a.Addr()+"/"+service+"?healthy=false")
	// Wait until all three are in rotation and answer.
	dtmdrivertest.WaitFor(t, 20*time.Second, "calls reach all three instances", func() bool {
		dtmdrivertest.CallShares(t, conn, servers, 10)
		for _, s := range servers {
			if s.Calls.Load() == 0 {
				return false
			}
		}
		return true
	})
	if shares := dtmdrivertest.CallShares(t, conn, servers, 10_000); !dtmdrivertest.SharesMatch(shares, []int{1, 2, 7}, 0.05) {
		t.Fatalf("weights 1:2:7: shares %.4f over 10,000 calls, want 1:2:7 within 5%%", shares)
	}

	checks := register([]int{5, 3, 2}, []int{1, 1, 4})
	dtmdrivertest.WaitFor(t, 20*time.Second, "the split follows weights 5:3:2", func() bool {
		return dtmdrivertest.SharesMatch(dtmdrivertest.CallShares(t, conn, servers, 1000), []int{5, 3, 2}, 0.05)
	})
	if shares := dtmdrivertest.CallShares(t, conn, servers, 10_000); !dtmdrivertest.SharesMatch(shares, []int{5, 3, 2}, 0.05) {
		t.Fatalf("weights 5:3:2: shares %.4f over 10,000 calls, want 5:3:2 within 5%%", shares)
	}

	// A warning check: instance 2 now counts with its Warning weight, 4.
	if err := c.Agent().WarnTTL(checks[2], "test"); err != nil {
		t.Fatal(err)
	}
	dtmdrivertest.WaitFor(t, 20*time.Second, "the split follows the warning weight, 5:3:4", func() bool {
		return dtmdrivertest.SharesMatch(dtmdrivertest.CallShares(t, conn, servers, 1200), []int{5, 3, 4}, 0.05)
	})
}

// TestEqualWeightsRoundRobin checks that instances registered without
// weights (Consul stores 1) share calls in strict rotation, as before.
func TestEqualWeightsRoundRobin(t *testing.T) {
	a := consultest.Start(t)
	c := newAPI(t, a, "")
	service := uniq("rr")
	servers := dtmdrivertest.StartCountingServers(t, 3)
	for i, s := range servers {
		registerTTL(t, c, service, fmt.Sprintf("%s-%d", service, i), s.Addr)
	}
	conn := dialWith(t, NewBuilder(), "consul://"+a.Addr()+"/"+service)
	dtmdrivertest.WaitFor(t, 20*time.Second, "calls reach all three instances", func() bool {
		dtmdrivertest.CallShares(t, conn, servers, 10)
		for _, s := range servers {
			if s.Calls.Load() == 0 {
				return false
			}
		}
		return true
	})
	for round := range 100 {
		for i, s := range dtmdrivertest.CallShares(t, conn, servers, 3) {
			if s*3 != 1 {
				t.Fatalf("round %d: instance %d got %v of 3 calls, want one", round, i, s*3)
			}
		}
	}
}
