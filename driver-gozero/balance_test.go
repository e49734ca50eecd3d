package gozero_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// countingServer is a real gRPC health server that counts the calls it answers.
func countingServer(t *testing.T) (addr string, calls *atomic.Int64) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	calls = new(atomic.Int64)
	srv := grpc.NewServer(grpc.UnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		calls.Add(1)
		return h(ctx, req)
	}))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String(), calls
}

// TestCallsSpreadOverInstances: dtm dials with no balancing policy, and go-zero's
// resolvers give none; the driver's resolvers report zrpc's p2c_ewma, so calls
// reach every instance, and one published later joins a running connection.
// Without it, gRPC's pick_first sends every call to one instance.
func TestCallsSpreadOverInstances(t *testing.T) {
	e := needEtcd(t)
	d := theDriver(t)
	a, aCalls := countingServer(t)
	b, bCalls := countingServer(t)
	publish(t, e.Endpoints(), "spread.rpc", a)
	publish(t, e.Endpoints(), "spread.rpc", b)

	for _, uri := range []string{
		"etcd://" + e.Endpoint() + "/spread.rpc" + healthCheck,
		"direct:///" + a + "," + b + healthCheck,
	} {
		t.Run(uri, func(t *testing.T) {
			server, method, err := d.ParseServerMethod(uri)
			if err != nil {
				t.Fatal(err)
			}
			//lint:ignore SA1019 dtm dials branch servers with grpc.Dial.
			conn, err := grpc.Dial(server, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Close() })
			a0, b0 := aCalls.Load(), bCalls.Load()
			waitFor(t, 20*time.Second, "calls to reach both instances", func() bool {
				ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
				defer cancel()
				if err := conn.Invoke(ctx, method, &healthpb.HealthCheckRequest{}, &healthpb.HealthCheckResponse{}, grpc.WaitForReady(true)); err != nil {
					t.Fatal(err)
				}
				return aCalls.Load() > a0 && bCalls.Load() > b0
			})
		})
	}

	t.Run("new instance joins a running connection", func(t *testing.T) {
		server, method, err := d.ParseServerMethod("etcd://" + e.Endpoint() + "/spread.rpc" + healthCheck)
		if err != nil {
			t.Fatal(err)
		}
		//lint:ignore SA1019 dtm dials branch servers with grpc.Dial.
		conn, err := grpc.Dial(server, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		if err := conn.Invoke(ctx, method, &healthpb.HealthCheckRequest{}, &healthpb.HealthCheckResponse{}, grpc.WaitForReady(true)); err != nil {
			t.Fatal(err)
		}
		c, cCalls := countingServer(t)
		publish(t, e.Endpoints(), "spread.rpc", c)
		waitFor(t, 20*time.Second, "calls to reach the instance published after the dial", func() bool {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			if err := conn.Invoke(ctx, method, &healthpb.HealthCheckRequest{}, &healthpb.HealthCheckResponse{}); err != nil {
				t.Fatal(err)
			}
			return cCalls.Load() > 0
		})
	})
}
