package gozero_test

import (
	"context"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// TestCallsSpreadOverInstances: dtm dials with no balancing policy, and go-zero's
// resolvers give none; the driver's resolvers report zrpc's p2c_ewma, so calls
// reach every instance, and one published later joins a running connection.
// Without it, gRPC's pick_first sends every call to one instance.
func TestCallsSpreadOverInstances(t *testing.T) {
	e := needEtcd(t)
	d := theDriver(t)
	asrv := dtmdrivertest.StartCountingServer(t, "")
	a, aCalls := asrv.Addr, &asrv.Calls
	bsrv := dtmdrivertest.StartCountingServer(t, "")
	b, bCalls := bsrv.Addr, &bsrv.Calls
	e.Publish(t, "spread.rpc", a)
	e.Publish(t, "spread.rpc", b)

	for _, uri := range []string{
		"etcd://" + e.Endpoint() + "/spread.rpc" + healthCheck,
		"direct:///" + a + "," + b + healthCheck,
	} {
		t.Run(uri, func(t *testing.T) {
			conn, method := dtmdrivertest.Dial(t, d, uri)
			a0, b0 := aCalls.Load(), bCalls.Load()
			dtmdrivertest.WaitFor(t, 20*time.Second, "calls to reach both instances", func() bool {
				if err := dtmdrivertest.Invoke(t.Context(), conn, method, 5*time.Second); err != nil {
					t.Fatal(err)
				}
				return aCalls.Load() > a0 && bCalls.Load() > b0
			})
		})
	}

	t.Run("new instance joins a running connection", func(t *testing.T) {
		conn, method := dtmdrivertest.Dial(t, d, "etcd://"+e.Endpoint()+"/spread.rpc"+healthCheck)
		if err := dtmdrivertest.Invoke(t.Context(), conn, method, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		csrv := dtmdrivertest.StartCountingServer(t, "")
		c, cCalls := csrv.Addr, &csrv.Calls
		e.Publish(t, "spread.rpc", c)
		dtmdrivertest.WaitFor(t, 20*time.Second, "calls to reach the instance published after the dial", func() bool {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			if err := conn.Invoke(ctx, method, &healthpb.HealthCheckRequest{}, &healthpb.HealthCheckResponse{}); err != nil {
				t.Fatal(err)
			}
			return cCalls.Load() > 0
		})
	})
}
