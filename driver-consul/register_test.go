package consul

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/consultest"
	"github.com/hashicorp/consul/api"
)

// TestRegisterVisible registers a gRPC server as dtm would and finds it with a
// plain passing-only health query, then through the driver's own resolver.
func TestRegisterVisible(t *testing.T) {
	a := consultest.Start(t)
	c := newAPI(t, a, "")
	dtm := dtmdrivertest.StartHealthServer(t, "dtm")
	d := &driver{}
	t.Cleanup(func() { d.Close() })
	if err := d.RegisterGrpcService("consul://"+a.Addr()+"/dtmservice?tags=a,b", dtm); err != nil {
		t.Fatal(err)
	}
	entries, _, err := c.Health().Service("dtmservice", "", true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("passing instances of dtmservice: %d, want 1", len(entries))
	}
	s := entries[0].Service
	host, port := dtmdrivertest.HostPort(t, dtm)
	if s.Address != host || s.Port != port || !slices.Equal(s.Tags, []string{"a", "b"}) || s.Meta["Protocol"] != "grpc" {
		t.Errorf("registered %+v; want address %s port %d tags [a b] meta Protocol=grpc", s, host, port)
	}
	if want := "dtmservice-" + host + "-" + dtm[strings.LastIndexByte(dtm, ':')+1:]; s.ID != want {
		t.Errorf("instance ID %q, want %q", s.ID, want)
	}
	checks, _, err := c.Health().Checks("dtmservice", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 1 || checks[0].Type != "tcp" || checks[0].Status != api.HealthPassing {
		t.Errorf("checks %+v; want one passing TCP check", checks)
	}

	conn := dialWith(t, &builder{drv: d}, "consul:///dtmservice")
	if ok, err := answeredBy(t.Context(), conn, "dtm", 10*time.Second); !ok || err != nil {
		t.Fatalf("call through the configured agent: answered=%v, %v", ok, err)
	}

	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if svcs, err := c.Agent().Services(); err != nil || len(svcs) != 0 {
		t.Errorf("after Close the agent has services %v (%v); want none", svcs, err)
	}
}

// TestTCPCheckFollowsDtm stops the registered server and waits for its TCP
// check to take it out of the passing set.
func TestTCPCheckFollowsDtm(t *testing.T) {
	a := consultest.Start(t)
	lis := listen(t)
	d := &driver{}
	t.Cleanup(func() { d.Close() })
	if err := d.RegisterGrpcService("consul://"+a.Addr()+"/dtmtcp?interval=1s&timeout=500ms", lis.Addr().String()); err != nil {
		t.Fatal(err)
	}
	dtmdrivertest.WaitFor(t, 10*time.Second, "the instance passes", func() bool { return len(dtmdrivertest.Listed(t, a, "dtmtcp")) == 1 })
	lis.Close()
	dtmdrivertest.WaitFor(t, 15*time.Second, "the TCP check fails once dtm stops listening", func() bool { return len(dtmdrivertest.Listed(t, a, "dtmtcp")) == 0 })
}

// TestGRPCCheck registers with check=grpc against a server that serves gRPC
// health.
func TestGRPCCheck(t *testing.T) {
	a := consultest.Start(t)
	c := newAPI(t, a, "")
	dtm := dtmdrivertest.StartHealthServer(t, "dtm")
	d := &driver{}
	t.Cleanup(func() { d.Close() })
	if err := d.RegisterGrpcService("consul://"+a.Addr()+"/dtmgrpc?check=grpc&interval=1s", dtm); err != nil {
		t.Fatal(err)
	}
	dtmdrivertest.WaitFor(t, 10*time.Second, "the gRPC check passes", func() bool {
		checks, err := c.Agent().ChecksWithFilter(`ServiceName == "dtmgrpc"`)
		for _, ch := range checks {
			return err == nil && len(checks) == 1 && ch.Type == "grpc" && ch.Status == api.HealthPassing &&
				strings.Contains(ch.Output, "success")
		}
		return false
	})
}
