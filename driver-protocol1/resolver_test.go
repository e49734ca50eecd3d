package protocol1

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

var errorsIs = errors.Is

// countingServer is a real gRPC health server that counts the calls it answers.
type countingServer struct {
	addr  string
	calls atomic.Int64
	stop  func()
}

func startCountingServer(t *testing.T) *countingServer {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &countingServer{addr: lis.Addr().String()}
	srv := grpc.NewServer(grpc.UnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		s.calls.Add(1)
		return h(ctx, req)
	}))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(lis) }()
	s.stop = srv.Stop
	t.Cleanup(srv.Stop)
	return s
}

// dial parses uri with the driver and dials the server part as dtm does.
func dial(t *testing.T, uri string) (*grpc.ClientConn, string) {
	t.Helper()
	if err := dtmdriver.Use(DriverName); err != nil {
		t.Fatal(err)
	}
	server, method, err := driver{}.ParseServerMethod(uri)
	if err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 dtm dials branch servers with grpc.Dial.
	conn, err := grpc.Dial(server, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, method
}

func call(ctx context.Context, conn *grpc.ClientConn, method string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return conn.Invoke(ctx, method, &healthpb.HealthCheckRequest{}, &healthpb.HealthCheckResponse{}, grpc.WaitForReady(true))
}

func TestRoundRobinOverTheList(t *testing.T) {
	a, b := startCountingServer(t), startCountingServer(t)
	conn, method := dial(t, "protocol1://"+a.addr+","+b.addr+"/grpc.health.v1.Health/Check")
	// Until both connections are ready, round robin has one server to pick.
	deadline := time.Now().Add(10 * time.Second)
	for a.calls.Load() == 0 || b.calls.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("within 10 s, calls reached the servers %d and %d times; want both", a.calls.Load(), b.calls.Load())
		}
		if err := call(t.Context(), conn, method); err != nil {
			t.Fatal(err)
		}
	}
	a0, b0 := a.calls.Load(), b.calls.Load()
	const calls = 40
	for range calls {
		if err := call(t.Context(), conn, method); err != nil {
			t.Fatal(err)
		}
	}
	// With both ready, round robin alternates.
	if da, db := a.calls.Load()-a0, b.calls.Load()-b0; da != calls/2 || db != calls/2 {
		t.Errorf("calls per server: %d and %d; want %d each", da, db, calls/2)
	}
}

func TestStoppedServerLeavesRotation(t *testing.T) {
	a, b := startCountingServer(t), startCountingServer(t)
	conn, method := dial(t, "protocol1:///"+a.addr+","+b.addr+"/grpc.health.v1.Health/Check")
	if err := call(t.Context(), conn, method); err != nil {
		t.Fatal(err)
	}
	a.stop()
	// A call picked onto a's connection as it closes may fail once; after that the
	// balancer has taken a out of rotation, and b must answer every call.
	deadline := time.Now().Add(10 * time.Second)
	for call(t.Context(), conn, method) != nil {
		if time.Now().After(deadline) {
			t.Fatal("no call succeeded within 10 s after one of two servers stopped")
		}
	}
	before := b.calls.Load()
	for range 20 {
		if err := call(t.Context(), conn, method); err != nil {
			t.Fatalf("call after the balancer dropped the stopped server: %v", err)
		}
	}
	if got := b.calls.Load() - before; got != 20 {
		t.Errorf("the remaining server answered %d of 20 calls", got)
	}
}
