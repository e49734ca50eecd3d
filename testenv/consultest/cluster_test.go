package consultest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/testenv/consultest"
)

// Three servers and two clients on their own loopback addresses elect a
// leader; killing it, the others elect another, and the clients keep
// answering.
func TestClusterSurvivesItsLeader(t *testing.T) {
	start := time.Now()
	c, stop, err := consultest.StartClusterMain(3, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	t.Logf("3 servers and 2 clients ready in %v", time.Since(start).Round(time.Millisecond))
	leader, err := c.Leader()
	if err != nil {
		t.Fatal(err)
	}
	leader.Kill()
	killed := time.Now()
	deadline := killed.Add(30 * time.Second)
	for {
		next, err := c.Leader()
		if err == nil && next != leader {
			t.Logf("leader %s killed; %s leads %v later", leader.Node(), next.Node(), time.Since(killed).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new leader 30 s after %s was killed (last: %v)", leader.Node(), err)
		}
		time.Sleep(50 * time.Millisecond) // polling the cluster until the deadline
	}
	for _, cl := range c.Clients {
		resp, err := http.Get(cl.URL() + "/v1/catalog/nodes")
		if err != nil {
			t.Fatalf("client agent %s after the leader's death: %v", cl.Node(), err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"client2"`) {
			t.Errorf("client agent %s lists nodes %s %s, want the catalog with client2", cl.Node(), resp.Status, body)
		}
	}
}
