package etcdtest_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/testenv/etcdtest"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

func TestStartStopRestart(t *testing.T) {
	e := etcdtest.Start(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	c := e.Client(t)
	if _, err := c.Put(ctx, "k", "v1"); err != nil {
		t.Fatal(err)
	}
	endpoint := e.Endpoint()
	e.Stop()
	if e.Running() {
		t.Fatal("Running after Stop")
	}
	e.Stop() // idempotent
	e.Restart(t)
	if e.Endpoint() != endpoint {
		t.Fatalf("endpoint after restart %q, want %q", e.Endpoint(), endpoint)
	}
	// The old client reconnects to the same port and finds the key.
	resp, err := c.Get(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "v1" {
		t.Fatalf("after restart Get(k) = %v, want v1", resp.Kvs)
	}
}

func TestStartMain(t *testing.T) {
	e, stop, err := etcdtest.StartMain()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, err := e.Client(t).Put(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
}

func TestEnableAuth(t *testing.T) {
	e := etcdtest.Start(t)
	e.EnableAuth(t,
		etcdtest.User{Name: "app", Password: "app-pw", Prefix: "app/"},
		etcdtest.User{Name: "all", Password: "all-pw"})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	newClient := func(user, pass string) (*clientv3.Client, error) {
		c, err := clientv3.New(clientv3.Config{Endpoints: e.Endpoints(), Username: user, Password: pass,
			DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
		if err == nil {
			t.Cleanup(func() { c.Close() })
		}
		return c, err
	}
	dial := func(user, pass string) *clientv3.Client {
		c, err := newClient(user, pass)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if _, err := dial("", "").Put(ctx, "app/x", "1"); !errors.Is(err, rpctypes.ErrUserEmpty) {
		t.Errorf("Put without credentials: %v, want %v", err, rpctypes.ErrUserEmpty)
	}
	app := dial("app", "app-pw")
	if _, err := app.Put(ctx, "app/x", "1"); err != nil {
		t.Errorf("app Put in its prefix: %v", err)
	}
	if _, err := app.Put(ctx, "other", "1"); !errors.Is(err, rpctypes.ErrPermissionDenied) {
		t.Errorf("app Put outside its prefix: %v, want %v", err, rpctypes.ErrPermissionDenied)
	}
	if _, err := dial("all", "all-pw").Put(ctx, "other", "1"); err != nil {
		t.Errorf("all Put: %v", err)
	}
	if _, err := e.Client(t).Get(ctx, "other"); err != nil {
		t.Errorf("root Get: %v", err)
	}
	// The client logs in when it is made: a wrong password fails there.
	if _, err := newClient("app", "wrong"); !errors.Is(err, rpctypes.ErrAuthFailed) {
		t.Errorf("client with a wrong password: %v, want %v", err, rpctypes.ErrAuthFailed)
	}
}

func TestClusterSurvivesOneMember(t *testing.T) {
	c := etcdtest.StartCluster(t, 3)
	if got := len(c.Endpoints()); got != 3 {
		t.Fatalf("%d endpoints, want 3", got)
	}
	cli := c.Client(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	if _, err := cli.Put(ctx, "k", "before"); err != nil {
		t.Fatal(err)
	}
	c.Members[0].Stop()
	if _, err := cli.Put(ctx, "k", "after"); err != nil {
		t.Fatalf("Put with one of three members down: %v", err)
	}
	resp, err := cli.Get(ctx, "k")
	if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "after" {
		t.Fatalf("Get with one member down = %v, %v", resp, err)
	}
}

func TestPublishList(t *testing.T) {
	e := etcdtest.Start(t)
	var server string
	t.Run("publish", func(t *testing.T) {
		server = e.Publish(t, "kit.rpc", "127.0.0.1:1")
		e.Publish(t, "kit.rpc", "127.0.0.1:2")
		got, err := e.List(t.Context(), "kit.rpc")
		if err != nil || !slices.Equal(got, []string{"127.0.0.1:1", "127.0.0.1:2"}) {
			t.Fatalf("List = %q, %v; want both published addresses", got, err)
		}
		resp, err := e.Client(t).Get(t.Context(), "kit.rpc/", clientv3.WithPrefix())
		if err != nil || len(resp.Kvs) != 2 || resp.Kvs[0].Lease == 0 {
			t.Fatalf("keys under kit.rpc/: %v, %v; want two, each under a lease", resp, err)
		}
	})
	if want := "etcd://" + e.Endpoint() + "/kit.rpc"; server != want {
		t.Errorf("Publish returned %q, want %q", server, want)
	}
	// The subtest's end revoked both leases.
	if got, err := e.List(t.Context(), "kit.rpc"); err != nil || len(got) != 0 {
		t.Errorf("List after the publishing test ended = %q, %v; want nothing", got, err)
	}
}
