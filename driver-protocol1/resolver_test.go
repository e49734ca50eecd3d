package protocol1

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"google.golang.org/grpc"
)

var errorsIs = errors.Is

// dial parses uri with the driver and dials the server part as dtm does.
func dial(t *testing.T, uri string) (*grpc.ClientConn, string) {
	t.Helper()
	if err := dtmdriver.Use(DriverName); err != nil {
		t.Fatal(err)
	}
	return dtmdrivertest.Dial(t, driver{}, uri)
}

func call(ctx context.Context, conn *grpc.ClientConn, method string) error {
	return dtmdrivertest.Invoke(ctx, conn, method, 10*time.Second)
}

func TestRoundRobinOverTheList(t *testing.T) {
	a, b := dtmdrivertest.StartCountingServer(t, ""), dtmdrivertest.StartCountingServer(t, "")
	conn, method := dial(t, "protocol1://"+a.Addr+","+b.Addr+"/grpc.health.v1.Health/Check")
	// Until both connections are ready, round robin has one server to pick.
	deadline := time.Now().Add(10 * time.Second)
	for a.Calls.Load() == 0 || b.Calls.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("within 10 s, calls reached the servers %d and %d times; want both", a.Calls.Load(), b.Calls.Load())
		}
		if err := call(t.Context(), conn, method); err != nil {
			t.Fatal(err)
		}
	}
	a0, b0 := a.Calls.Load(), b.Calls.Load()
	const calls = 40
	for range calls {
		if err := call(t.Context(), conn, method); err != nil {
			t.Fatal(err)
		}
	}
	// With both ready, round robin alternates.
	if da, db := a.Calls.Load()-a0, b.Calls.Load()-b0; da != calls/2 || db != calls/2 {
		t.Errorf("calls per server: %d and %d; want %d each", da, db, calls/2)
	}
}

func TestStoppedServerLeavesRotation(t *testing.T) {
	a, b := dtmdrivertest.StartCountingServer(t, ""), dtmdrivertest.StartCountingServer(t, "")
	conn, method := dial(t, "protocol1:///"+a.Addr+","+b.Addr+"/grpc.health.v1.Health/Check")
	if err := call(t.Context(), conn, method); err != nil {
		t.Fatal(err)
	}
	a.Stop()
	// A call picked onto a's connection as it closes may fail once; after that the
	// balancer has taken a out of rotation, and b must answer every call.
	deadline := time.Now().Add(10 * time.Second)
	for call(t.Context(), conn, method) != nil {
		if time.Now().After(deadline) {
			t.Fatal("no call succeeded within 10 s after one of two servers stopped")
		}
	}
	before := b.Calls.Load()
	for range 20 {
		if err := call(t.Context(), conn, method); err != nil {
			t.Fatalf("call after the balancer dropped the stopped server: %v", err)
		}
	}
	if got := b.Calls.Load() - before; got != 20 {
		t.Errorf("the remaining server answered %d of 20 calls", got)
	}
}
