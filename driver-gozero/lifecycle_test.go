package gozero_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// deadAddr returns a loopback address nothing listens on.
func deadAddr(t testing.TB) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	return addr
}

// TestResolveUnreachableEtcdFailsFast: a branch call through an etcd that does not
// answer fails within the caller's deadline, as dtm calls (grpc.Dial, then Invoke
// without WaitForReady), with an error naming etcd and its address.
func TestResolveUnreachableEtcdFailsFast(t *testing.T) {
	dead := deadAddr(t)
	const deadline = 2 * time.Second
	for _, uri := range []string{
		"etcd://" + dead + "/svc" + healthCheck,
		"etcd:///" + dead + healthCheck + "?key=svc",
		"discov://" + dead + "/svc" + healthCheck,
	} {
		t.Run(uri, func(t *testing.T) {
			server, method, err := theDriver(t).ParseServerMethod(uri)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			//lint:ignore SA1019 dtm v1.19.0 dials branch servers with grpc.Dial.
			conn, err := grpc.Dial(server, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ctx, cancel := context.WithTimeout(t.Context(), deadline)
			defer cancel()
			err = conn.Invoke(ctx, method, &healthpb.HealthCheckRequest{}, &healthpb.HealthCheckResponse{})
			took := time.Since(start)
			t.Logf("failed after %v: %v", took.Round(time.Millisecond), err)
			if err == nil {
				t.Fatal("call through an unreachable etcd succeeded")
			}
			if took > deadline+500*time.Millisecond {
				t.Errorf("the call took %v, past the caller's %v deadline", took, deadline)
			}
			if !strings.Contains(err.Error(), "etcd") || !strings.Contains(err.Error(), dead) {
				t.Errorf("error %q names neither etcd nor %s", err, dead)
			}
		})
	}
}

// TestRegisterUnreachableFailsFast: registering dtm in an etcd that refuses
// connections fails at once, naming etcd, its address and what to check.
func TestRegisterUnreachableFailsFast(t *testing.T) {
	dead := deadAddr(t)
	for _, target := range []string{"etcd://" + dead + "/dtmservice", "etcd:///" + dead + "?key=dtmservice"} {
		start := time.Now()
		err := theDriver(t).RegisterGrpcService(target, "127.0.0.1:36790")
		took := time.Since(start)
		t.Logf("failed after %v: %v", took.Round(time.Millisecond), err)
		if err == nil {
			t.Fatalf("RegisterGrpcService(%q) with no etcd = nil", target)
		}
		if took > 2*time.Second {
			t.Errorf("RegisterGrpcService(%q) took %v to fail", target, took)
		}
		for _, want := range []string{"etcd", dead, "check"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
		}
	}
}

// TestRegisterSameTargetTwice: two registrations of the same target and endpoint
// are both withdrawn by one Close, at once and without error.
func TestRegisterSameTargetTwice(t *testing.T) {
	e := needEtcd(t)
	const key = "dtmservice-twice"
	target := "etcd://" + e.Endpoint() + "/" + key
	addr := dtmdrivertest.StartHealthServer(t, "dtm")
	for range 2 {
		if err := theDriver(t).RegisterGrpcService(target, addr); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	err := theDriver(t).(dtmdriver.Closer).Close()
	took := time.Since(start)
	t.Logf("Close took %v", took.Round(time.Millisecond))
	if err != nil {
		t.Errorf("Close: %v", err)
	}
	if took > 2*time.Second {
		t.Errorf("Close took %v", took)
	}
	if vals := published(t, key); len(vals) != 0 {
		t.Errorf("after Close, etcd lists %q", vals)
	}
}

// TestRegisterRefusesEndpoint: the core's endpoint policy: no scheme, no
// unspecified host.
func TestRegisterRefusesEndpoint(t *testing.T) {
	e := needEtcd(t)
	closeDriver(t)
	for _, endpoint := range []string{"grpc://127.0.0.1:36790", "0.0.0.0:36790", ":36790", "[::]:36790"} {
		err := theDriver(t).RegisterGrpcService("etcd://"+e.Endpoint()+"/dtmservice-endpoint", endpoint)
		if !errors.Is(err, dtmdriver.ErrBadURI) {
			t.Errorf("RegisterGrpcService with endpoint %q: %v, want an error wrapping ErrBadURI", endpoint, err)
		}
	}
	if vals := published(t, "dtmservice-endpoint"); len(vals) != 0 {
		t.Errorf("etcd lists %q", vals)
	}
}

// TestRegisterHashInTarget: a '#' in the target (in a password, say) is refused
// with an error that says to percent-encode it, and quotes no part of the
// password: never cut at the '#' and registered with the wrong password.
func TestRegisterHashInTarget(t *testing.T) {
	e := needEtcd(t)
	closeDriver(t)
	const head, tail = "S3c", "r3tX9"
	for _, target := range []string{
		"etcd://" + e.Endpoint() + "/dtmservice-hash?user=u&password=" + head + "#" + tail,
		"etcd://u:" + head + "#" + tail + "@" + e.Endpoint() + "/dtmservice-hash",
		"etcd:///" + e.Endpoint() + "?key=dtmservice-hash&user=u&password=" + head + "#" + tail,
	} {
		err := theDriver(t).RegisterGrpcService(target, "127.0.0.1:36790")
		switch {
		case err == nil:
			t.Errorf("RegisterGrpcService(%q) = nil, want an error", target)
		case !errors.Is(err, dtmdriver.ErrBadURI):
			t.Errorf("RegisterGrpcService(%q) error %v does not wrap ErrBadURI", target, err)
		case strings.Contains(err.Error(), head) || strings.Contains(err.Error(), tail):
			t.Errorf("RegisterGrpcService(%q) error quotes the password: %v", target, err)
		case !strings.Contains(err.Error(), "%23"):
			t.Errorf("RegisterGrpcService(%q) error %v does not say to write %%23", target, err)
		}
	}
	if vals := published(t, "dtmservice-hash"); len(vals) != 0 {
		t.Errorf("etcd lists %q", vals)
	}
}

// TestRegisterSilentEtcd: an "etcd" that accepts connections and never answers
// fails the registration within the driver's bound, naming etcd, its address and
// what to check.
func TestRegisterSilentEtcd(t *testing.T) {
	silent := silentListener(t)
	start := time.Now()
	err := theDriver(t).RegisterGrpcService("etcd://"+silent+"/dtmservice", "127.0.0.1:36790")
	took := time.Since(start)
	t.Logf("failed after %v: %v", took.Round(time.Millisecond), err)
	if err == nil {
		t.Fatal("RegisterGrpcService to a silent etcd = nil")
	}
	if took > 7*time.Second {
		t.Errorf("RegisterGrpcService took %v to fail", took)
	}
	for _, want := range []string{"etcd", silent, "check"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

// TestResolveSilentEtcdNamesIt: a branch call through an "etcd" that accepts
// connections and never answers fails within a 2 s deadline with an error
// naming etcd and its address.
func TestResolveSilentEtcdNamesIt(t *testing.T) {
	silent := silentListener(t)
	start := time.Now()
	//lint:ignore SA1019 dtm v1.19.0 dials branch servers with grpc.Dial.
	conn, err := grpc.Dial("etcd://"+silent+"/svc", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 7*time.Second) // the driver names a silent etcd after 5 s
	defer cancel()
	err = conn.Invoke(ctx, healthCheck, &healthpb.HealthCheckRequest{}, &healthpb.HealthCheckResponse{})
	t.Logf("failed after %v: %v", time.Since(start).Round(time.Millisecond), err)
	if err == nil || !strings.Contains(err.Error(), "etcd") || !strings.Contains(err.Error(), silent) {
		t.Errorf("call through a silent etcd: %v; want an error naming etcd and %s", err, silent)
	}
}

// silentListener returns the address of a listener that accepts connections,
// holds them open and never answers, until the test ends.
func silentListener(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 64)
	t.Cleanup(func() {
		lis.Close()
		for {
			select {
			case c := <-accepted:
				c.Close()
			default:
				return
			}
		}
	})
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			select {
			case accepted <- c: // held open, silent, until the test ends
			default:
				c.Close()
			}
		}
	}()
	return lis.Addr().String()
}
