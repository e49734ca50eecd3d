package consul

import (
	"context"
	"fmt"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/testenv/consultest"
	"github.com/hashicorp/consul/api"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/status"
)

// newAPI returns a Consul API client for a, with token (may be ""), whose idle
// connections are closed with the test.
func newAPI(t testing.TB, a *consultest.Agent, token string) *api.Client {
	t.Helper()
	cfg := api.DefaultConfig()
	cfg.Address, cfg.Token, cfg.TokenFile = a.Addr(), token, ""
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cfg.Transport.CloseIdleConnections)
	return c
}

// registerTTL registers addr under service with a passing TTL check "ttl:"+id
// that the test drives with PassTTL and FailTTL.
func registerTTL(t testing.TB, c *api.Client, service, id, addr string) (checkID string) {
	t.Helper()
	host, port := dtmdrivertest.HostPort(t, addr)
	checkID = "ttl:" + id
	reg := &api.AgentServiceRegistration{
		ID: id, Name: service, Address: host, Port: port,
		Check: &api.AgentServiceCheck{CheckID: checkID, TTL: "10m", Status: api.HealthPassing},
	}
	if err := c.Agent().ServiceRegister(reg); err != nil {
		t.Fatalf("registering %s: %v", id, err)
	}
	return checkID
}

// dialWith opens a client connection to target through b.
func dialWith(t testing.TB, b resolver.Builder, target string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithResolvers(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// answeredBy calls gRPC health for name on conn, waiting for discovery up to
// timeout. It returns true when the backend started for name answered
// (SERVING), false when another backend did (NotFound), or the error.
func answeredBy(ctx context.Context, conn *grpc.ClientConn, name string, timeout time.Duration) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: name}, grpc.WaitForReady(true))
	switch {
	case status.Code(err) == codes.NotFound:
		return false, nil
	case err != nil:
		return false, err
	}
	return resp.GetStatus() == healthpb.HealthCheckResponse_SERVING, nil
}

// captureLogs captures what the driver logs through slog's default logger for
// the duration of a test.
func captureLogs(t testing.TB) *dtmdrivertest.SyncBuffer {
	l := &dtmdrivertest.SyncBuffer{}
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })
	return l
}

// uniq returns a service or ID name unique within the test binary.
func uniq(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1e9)
}

// listen listens on a free loopback port until the test ends.
func listen(t testing.TB) net.Listener {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lis.Close() })
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return lis
}

type apiReg = api.AgentServiceRegistration

type apiConfig = api.Config

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func agentLog(t testing.TB, a *consultest.Agent) string {
	b, err := os.ReadFile(filepath.Join(a.Dir(), "consul.log"))
	if err != nil {
		return err.Error()
	}
	return string(b)
}
