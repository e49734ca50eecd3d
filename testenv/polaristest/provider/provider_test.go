package provider_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/testenv/polaristest"
	"github.com/dtmdrivers/drivers/testenv/polaristest/provider"
	"github.com/polarismesh/polaris-go/api"
)

// An instance registered as grpc-go-polaris registers is listed healthy by
// the server, with its metadata.
func TestRegisterListed(t *testing.T) {
	srv := polaristest.Start(t)
	sdk, err := provider.NewSDK(srv.GRPCAddr(), t.TempDir(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sdk.Destroy)
	const addr = "127.0.0.1:18080"
	deregister, err := provider.Register(api.NewProviderAPIByContext(sdk), "default", "provider-test", addr, map[string]string{"env": "blue"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = deregister() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		addrs, err := srv.List(context.Background(), "provider-test")
		if err == nil && slices.Contains(addrs, addr) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server does not list %s after 20 s: %v (last error %v)", addr, addrs, err)
		}
		time.Sleep(50 * time.Millisecond) // polling the server until the deadline
	}
	insts := srv.Instances(t, "default", "provider-test")
	if len(insts) != 1 || insts[0].Metadata["env"] != "blue" || !insts[0].Healthy {
		t.Errorf("server lists %+v, want one healthy instance with env=blue", insts)
	}
	if _, err := provider.Register(api.NewProviderAPIByContext(sdk), "default", "provider-test", "no-port", nil); err == nil {
		t.Error("Register of an address without a port succeeded")
	}
}

// An HTTP instance is listed healthy with protocol http.
func TestRegisterHTTPListed(t *testing.T) {
	srv := polaristest.Start(t)
	sdk, err := provider.NewSDK(srv.GRPCAddr(), t.TempDir(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sdk.Destroy)
	const addr = "127.0.0.1:18081"
	deregister, err := provider.RegisterHTTP(api.NewProviderAPIByContext(sdk), "default", "provider-http", addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		insts := srv.Instances(t, "default", "provider-http")
		if len(insts) == 1 && insts[0].Healthy {
			if insts[0].Protocol != "http" {
				t.Errorf("protocol %q; want http", insts[0].Protocol)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server lists %+v after 20 s; want one healthy instance", insts)
		}
		time.Sleep(50 * time.Millisecond) // polling the server until the deadline
	}
	if err := deregister(); err != nil {
		t.Fatal(err)
	}
}
