package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/consultest"
	"github.com/dtmdrivers/drivers/testenv/polaristest"
)

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestResolveEtcd(t *testing.T) {
	e := needEtcd(t)
	a, b := "127.0.0.1:40001", "127.0.0.1:40002"
	server := e.Publish(t, "resolve.rpc", a)
	e.Publish(t, "resolve.rpc", b)
	uri := server + "/busi.Busi/TransIn"

	r := run(t, "resolve", uri)
	wantCode(t, r, ExitOK)
	wantContains(t, "resolve", r.stdout, "driver:     dtm-driver-gozero\n", "target:     "+server+"\n",
		"resolved:   2 addresses at ", "\n  "+a+"\n  "+b+"\n",
		"registry:   etcd "+e.Endpoint()+", keys under resolve.rpc/: 2 instances\n", "* "+a, "* "+b, "lease ttl ", "id resolve.rpc/")

	res := decode[ResolveResult](t, run(t, "resolve", "-o", "json", server)) // the server alone
	if !slices.Equal(res.Addresses, []string{a, b}) || res.Error != "" || res.Target != server {
		t.Errorf("resolve -o json: target %q, addresses %q, error %q; want %q, [%s %s], none", res.Target, res.Addresses, res.Error, server, a, b)
	}
	if v := res.Registry; v == nil || v.Registry != "etcd" || len(v.Instances) != 2 || !strings.HasPrefix(v.Instances[0].Health, "lease ttl ") ||
		v.Instances[0].Metadata["lease"] == "" {
		t.Errorf("registry view %+v; want etcd's two keys with their leases", v)
	}
}

func TestResolveEmptyOrUnreachable(t *testing.T) {
	e := needEtcd(t)
	for _, tc := range []struct {
		name, uri string
		want      []string
	}{
		{"empty key", "etcd://" + e.Endpoint() + "/nobody.rpc", []string{"no address", "keys under nobody.rpc/: 0 instances"}},
		{"etcd unreachable", "etcd://" + closedAddr(t) + "/busi.rpc", []string{"does not answer", "connection refused"}},
		{"consul unreachable", "consul://" + closedAddr(t) + "/busi", []string{"connection refused"}},
		{"refused URI", "etcd://u:" + dtmdrivertest.Secret + "@" + e.Endpoint() + "/busi.rpc/busi.Busi/TransIn", []string{"userinfo"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			r := run(t, "resolve", "-timeout", "3s", tc.uri)
			wantCode(t, r, ExitFailure)
			wantContains(t, "resolve", r.stdout, append([]string{"error:      "}, tc.want...)...)
			if took := time.Since(start); took > 8*time.Second {
				t.Errorf("took %v with -timeout 3s", took)
			}
			res := decode[ResolveResult](t, run(t, "resolve", "-timeout", "3s", "-o", "json", tc.uri))
			if res.Error == "" || len(res.Addresses) != 0 {
				t.Errorf("resolve -o json: error %q, addresses %q; want an error and none", res.Error, res.Addresses)
			}
		})
	}
}

func TestResolveWatch(t *testing.T) {
	e := needEtcd(t)
	a, b := "127.0.0.1:40011", "127.0.0.1:40012"
	server := e.Publish(t, "watch.rpc", a)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &dtmdrivertest.SyncBuffer{}
	var errOut strings.Builder
	done := make(chan int, 1)
	go func() { done <- Run(ctx, []string{"resolve", "-watch", "-o", "json", server}, out, &errOut) }()

	lines := func() []string { return strings.Split(strings.TrimSpace(out.String()), "\n") }
	dtmdrivertest.WaitFor(t, 10*time.Second, "the first answer", func() bool { return strings.Contains(out.String(), a) })
	e.Publish(t, "watch.rpc", b)
	dtmdrivertest.WaitFor(t, 10*time.Second, "the added address", func() bool { return len(lines()) >= 2 })
	cancel()
	select {
	case code := <-done:
		if code != ExitOK {
			t.Errorf("resolve -watch ended with %d, want %d; stderr: %s", code, ExitOK, errOut.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("resolve -watch did not end after its context did")
	}

	sc := bufio.NewScanner(strings.NewReader(out.String()))
	sc.Scan()
	var first ResolveResult
	if err := json.Unmarshal(sc.Bytes(), &first); err != nil || !slices.Equal(first.Addresses, []string{a}) {
		t.Fatalf("first line %s (%v); want a ResolveResult with [%s]", sc.Text(), err, a)
	}
	sc.Scan()
	var ev WatchEvent
	if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
		t.Fatalf("second line %s: %v", sc.Text(), err)
	}
	if !slices.Equal(ev.Addresses, []string{a, b}) || !slices.Equal(ev.Added, []string{b}) || len(ev.Removed) != 0 ||
		ev.Time.Before(first.Time) {
		t.Errorf("watch event %+v; want [%s %s] with %s added, after %v", ev, a, b, b, first.Time)
	}
}

func TestResolveConsulACL(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a Consul agent: not with -short")
	}
	token := "7d4c2f0e-acl-" + dtmdrivertest.Secret
	t.Setenv("CONSUL_HTTP_TOKEN", "")
	t.Setenv("CONSUL_HTTP_TOKEN_FILE", "")
	agent := consultest.Start(t, consultest.WithACL(token))
	backend := dtmdrivertest.StartCountingServer(t, "busi")
	server := agent.Publish(t, "busi", backend.Addr)
	uri := server + "/busi.Busi/TransIn"

	t.Run("WithoutToken", func(t *testing.T) {
		r := run(t, "resolve", "-timeout", "3s", uri)
		wantCode(t, r, ExitFailure)
		wantContains(t, "resolve", r.stdout, "error:      ", "ACL token")
	})
	t.Run("WrongToken", func(t *testing.T) {
		t.Setenv("CONSUL_HTTP_TOKEN", "0000-wrong-"+dtmdrivertest.Secret)
		r := run(t, "resolve", "-timeout", "3s", uri)
		wantCode(t, r, ExitFailure)
		wantContains(t, "resolve", r.stdout, "error:      ", "ACL token")
	})
	t.Run("WithToken", func(t *testing.T) {
		t.Setenv("CONSUL_HTTP_TOKEN", token)
		r := run(t, "resolve", uri)
		wantCode(t, r, ExitOK)
		wantContains(t, "resolve", r.stdout, "driver:     dtm-driver-consul\n", "resolved:   1 address at ", "\n  "+backend.Addr+"\n",
			"registry:   consul "+agent.Addr()+", service busi: 1 instance\n", "* "+backend.Addr, "passing", "tags rpc", "meta Protocol=grpc")
		res := decode[ResolveResult](t, run(t, "resolve", "-o", "json", uri))
		if !slices.Equal(res.Addresses, []string{backend.Addr}) || res.Registry == nil || len(res.Registry.Instances) != 1 {
			t.Fatalf("resolve -o json = %+v; want %s from the resolver and the registry", res, backend.Addr)
		}
		if in := res.Registry.Instances[0]; in.Health != "passing" || in.Metadata["Protocol"] != "grpc" || !slices.Contains(in.Tags, "rpc") {
			t.Errorf("instance %+v; want passing, tag rpc, meta Protocol=grpc", in)
		}
	})
}

func TestResolvePolaris(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a Polaris server: not with -short")
	}
	s := polaristest.Start(t)
	backend := dtmdrivertest.StartCountingServer(t, "busi")
	s.Publish(t, "cli-busi", backend.Addr)
	dtmdrivertest.WaitFor(t, 10*time.Second, "the server to list cli-busi", func() bool {
		return slices.Contains(dtmdrivertest.Listed(t, s, "cli-busi"), backend.Addr) // healthy: its first heartbeat passed
	})
	bh, bp, _ := net.SplitHostPort(backend.Addr)
	port, _ := strconv.Atoi(bp)
	t.Setenv("DTM_POLARIS_ADDRESSES", s.GRPCAddr())
	t.Setenv("DTM_POLARIS_DIR", t.TempDir())

	start := time.Now()
	r := run(t, "resolve", "-timeout", "20s", "polaris://cli-busi/busi.Busi/TransIn")
	t.Logf("resolved through Polaris in %v", time.Since(start))
	wantCode(t, r, ExitOK)
	wantContains(t, "resolve", r.stdout, "driver:     dtm-driver-polaris\n", "target:     polaris://cli-busi\n", "resolved:   1 address at ", "\n  "+backend.Addr+"\n",
		"registry:   polaris "+s.GRPCAddr()+", service default/cli-busi: 1 instance\n", "* "+backend.Addr, "healthy", "protocol grpc weight 100")

	// An isolated instance: out of rotation, and the registry says why.
	s.SetIsolated(t, polaristest.Namespace, "cli-busi", bh, port, true)
	dtmdrivertest.WaitFor(t, 10*time.Second, "the server to stop listing the isolated instance", func() bool {
		return len(dtmdrivertest.Listed(t, s, "cli-busi")) == 0
	})
	res := decode[ResolveResult](t, run(t, "resolve", "-o", "json", "-timeout", "3s", "polaris://cli-busi"))
	if len(res.Addresses) != 0 || res.Registry == nil || len(res.Registry.Instances) != 1 {
		t.Fatalf("resolve -o json = %+v; want no address from the resolver, the isolated instance from the registry", res)
	}
	if in := res.Registry.Instances[0]; in.Addr != backend.Addr || in.Health != "healthy, isolated" || in.Weight != 100 || in.Protocol != "grpc" || in.ID == "" {
		t.Errorf("instance %+v; want %s healthy, isolated, weight 100, protocol grpc, with an ID", in, backend.Addr)
	}
	r = run(t, "resolve", "-timeout", "3s", "polaris://cli-nobody")
	wantCode(t, r, ExitFailure)
	wantContains(t, "resolve", r.stdout, "error:      ", "no address")
}
