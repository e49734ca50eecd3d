package consul

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/consultest"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// TestACL runs against an agent with ACLs on and default deny.
func TestACL(t *testing.T) {
	const token = "7d4c2f0e-acl-" + dtmdrivertest.Secret
	const wrong = "0000-wrong-" + dtmdrivertest.Secret
	t.Setenv("CONSUL_HTTP_TOKEN", "")
	t.Setenv("CONSUL_HTTP_TOKEN_FILE", "")
	logs := captureLogs(t)
	a := consultest.Start(t, consultest.WithACL(token))
	backend := dtmdrivertest.StartHealthServer(t, "busi")
	a.Publish(t, "busi", backend)
	dtm := dtmdrivertest.StartHealthServer(t, "dtm")
	var errs []string
	noSecret := func(what string, err error) {
		t.Helper()
		if err != nil {
			errs = append(errs, err.Error())
		}
		if err != nil && strings.Contains(err.Error(), dtmdrivertest.Secret) {
			t.Errorf("%s: the error quotes the token: %v", what, err)
		}
	}

	t.Run("RegisterWithoutToken", func(t *testing.T) {
		d := &driver{}
		defer d.Close()
		err := d.RegisterGrpcService("consul://"+a.Addr()+"/dtmservice", dtm)
		noSecret("register without token", err)
		if err == nil || !strings.Contains(err.Error(), "ACL token") || !strings.Contains(err.Error(), "403") {
			t.Errorf("register without token = %v; want a 403 that names the ACL token", err)
		}
		err = d.RegisterGrpcService("consul://"+a.Addr()+"/dtmservice?token="+wrong, dtm)
		noSecret("register with a wrong token", err)
		if err == nil {
			t.Error("register with a wrong token succeeded")
		}
	})

	t.Run("RegisterWithToken", func(t *testing.T) {
		d := &driver{}
		if err := d.RegisterGrpcService("consul://"+a.Addr()+"/dtmservice?token="+token, dtm); err != nil {
			noSecret("register with token", err)
			t.Fatal(err)
		}
		if got := dtmdrivertest.Listed(t, a, "dtmservice"); len(got) != 1 || got[0] != dtm {
			t.Errorf("passing dtmservice instances %v, want [%s]", got, dtm)
		}
		// The driver's resolvers reuse the target's token for the same agent.
		conn := dialWith(t, &builder{drv: d}, "consul://"+a.Addr()+"/busi")
		if ok, err := answeredBy(t.Context(), conn, "busi", 10*time.Second); !ok || err != nil {
			noSecret("resolve with the target's token", err)
			t.Errorf("resolve with the registration target's token: answered=%v, %v", ok, err)
		}
		noSecret("close", d.Close())
		if got := dtmdrivertest.Listed(t, a, "dtmservice"); len(got) != 0 {
			t.Errorf("after Close, passing dtmservice instances %v, want none", got)
		}
	})

	t.Run("ResolveWithoutToken", func(t *testing.T) {
		conn := dialWith(t, NewBuilder(), "consul://"+a.Addr()+"/busi")
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		var err error
		// Fail-fast calls fail with the resolver's error once it has one.
		for ctx.Err() == nil {
			_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "busi"})
			if err != nil && strings.Contains(err.Error(), "ACL token") {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		noSecret("resolve without token", err)
		if err == nil || !strings.Contains(err.Error(), "ACL token") {
			t.Errorf("call without token = %v; want the resolver's error naming the ACL token", err)
		}
	})

	t.Run("ResolveWithToken", func(t *testing.T) {
		conn := dialWith(t, NewBuilder(WithToken(token)), "consul://"+a.Addr()+"/busi")
		if ok, err := answeredBy(t.Context(), conn, "busi", 10*time.Second); !ok || err != nil {
			noSecret("resolve WithToken", err)
			t.Errorf("resolve WithToken: answered=%v, %v", ok, err)
		}
		t.Setenv("CONSUL_HTTP_TOKEN", token)
		conn = dialWith(t, NewBuilder(), "consul://"+a.Addr()+"/busi")
		if ok, err := answeredBy(t.Context(), conn, "busi", 10*time.Second); !ok || err != nil {
			noSecret("resolve with CONSUL_HTTP_TOKEN", err)
			t.Errorf("resolve with CONSUL_HTTP_TOKEN: answered=%v, %v", ok, err)
		}
	})

	if l := logs.String(); strings.Contains(l, dtmdrivertest.Secret) {
		t.Errorf("the driver logged the token:\n%s", l)
	} else if !strings.Contains(l, "ACL token") {
		t.Errorf("the driver logged no ACL refusal:\n%s", l)
	}
	t.Logf("errors seen (none quotes the token): %q", errs)
}
