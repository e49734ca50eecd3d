package polaris

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/testenv/polaristest"
	"github.com/dtmdrivers/drivers/testenv/polaristest/provider"
	"github.com/polarismesh/polaris-go/api"
	"github.com/polarismesh/polaris-go/pkg/model"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// testRefresh is the refresh interval of the provider SDKs of tests (polaris-go's
// consumer cache) and of the resolvers of tests that set it; testConfig leaves
// resolvers at DefaultRefreshInterval.
const testRefresh = 500 * time.Millisecond

// testConfig points a driver at srv, with its files in a temporary directory.
func testConfig(t testing.TB, srv *polaristest.Server) Config {
	return Config{Addresses: []string{srv.GRPCAddr()}, Dir: t.TempDir()}
}

// newTestDriver returns a driver of its own (not the registered one) configured
// for srv, closed with the test.
func newTestDriver(t testing.TB, srv *polaristest.Server) *driver {
	t.Helper()
	d := newDriver()
	if err := d.configure(testConfig(t, srv)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// providerSDK is a plain polaris-go SDK context of its own, as a service built
// with grpc-go-polaris (or any polaris-go user) has.
func providerSDK(t testing.TB, srv *polaristest.Server) api.SDKContext {
	t.Helper()
	dir := t.TempDir()
	ctx, err := provider.NewSDK(srv.GRPCAddr(), dir, "", testRefresh)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ctx.Destroy)
	// polaris-go's loggers are process-wide: the driver must know where
	// they point now, and at which level.
	if err := setLoggersDir(filepath.Join(dir, "log")); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// registerLikeGrpcGoPolaris registers addr under service the way
// grpc-go-polaris' server does (see package provider), until the test ends.
func registerLikeGrpcGoPolaris(t testing.TB, ctx api.SDKContext, ns, service, addr string, metadata map[string]string) {
	t.Helper()
	deregister, err := provider.Register(api.NewProviderAPIByContext(ctx), ns, service, addr, metadata)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = deregister() })
}

// dialDriver dials server (as ParseServerMethod returns it) through d's own
// resolver builder, as a client app that passes NewBuilder does.
func dialDriver(t testing.TB, d *driver, server string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(server,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithResolvers(&builder{d: d}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// checkHealth calls gRPC health for name on conn and returns an error unless
// the backend started for name answers SERVING.
func checkHealth(ctx context.Context, conn *grpc.ClientConn, name string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: name}, grpc.WaitForReady(true))
	if err != nil {
		return err
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return fmt.Errorf("status %v", resp.GetStatus())
	}
	return nil
}

// startPolaris starts a real Polaris server for the test; -short skips the
// test (make test-short runs without registries; make test never skips).
func startPolaris(t *testing.T) *polaristest.Server {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: needs a Polaris server")
	}
	return polaristest.Start(t)
}

// consumerView returns the addresses a plain polaris-go consumer in ctx gets for
// service: healthy and not isolated, as its cache, refreshed from the server's
// naming cache, holds them.
func consumerView(t testing.TB, ctx api.SDKContext, ns, service string) []string {
	t.Helper()
	resp, err := api.NewConsumerAPIByContext(ctx).GetAllInstances(&api.GetAllInstancesRequest{
		GetAllInstancesRequest: model.GetAllInstancesRequest{Namespace: ns, Service: service},
	})
	if err != nil {
		return nil
	}
	var addrs []string
	for _, inst := range resp.GetInstances() {
		if inst.IsHealthy() && !inst.IsIsolated() {
			addrs = append(addrs, net.JoinHostPort(inst.GetHost(), strconv.Itoa(int(inst.GetPort()))))
		}
	}
	return addrs
}
