package gozero_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/zeromicro/go-zero/core/discov"
	"github.com/zeromicro/go-zero/core/service"
	"github.com/zeromicro/go-zero/zrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// closeDriver closes the driver's registrations at the end of a test.
func closeDriver(t testing.TB) {
	t.Helper()
	t.Cleanup(func() {
		if err := theDriver(t).(dtmdriver.Closer).Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}

// published returns the values under key+"/" in the package's etcd.
func published(t testing.TB, key string) []string {
	t.Helper()
	vals, err := needEtcd(t).List(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	return vals
}

func TestRegisterEmptyTarget(t *testing.T) {
	if err := theDriver(t).RegisterGrpcService("", "127.0.0.1:36790"); err != nil {
		t.Fatalf("empty target: %v, want nil", err)
	}
}

func TestRegisterBadTarget(t *testing.T) {
	const secret = dtmdrivertest.Secret
	for _, target := range []string{
		"etcd://127.0.0.1:1",
		"etcd://127.0.0.1:1/",
		"etcd:///127.0.0.1:1",
		"etcd:///127.0.0.1:1/dtmservice",
		"etcd:///?key=dtmservice",
		"consul://127.0.0.1:8500/dtmservice",
		"etcd://127.0.0.1:1/dtmservice?user=u&password=" + secret + "&colour=blue",
		"etcd://127.0.0.1:1/dtmservice?password=" + secret,
		"etcd://u:" + secret + "@127.0.0.1:1/dtmservice?insecureSkipVerify=maybe",
		"etcd://127.0.0.1:1/dtmservice?certFile=/nonexistent&user=u&password=" + secret,
		"etcd://127.0.0.1:1/dtmservice?id=-1",
		"%zz://u:" + secret + "@h/k",
	} {
		err := theDriver(t).RegisterGrpcService(target, "127.0.0.1:36790")
		switch {
		case err == nil:
			t.Errorf("RegisterGrpcService(%q) = nil, want an error", target)
		case strings.Contains(err.Error(), secret):
			t.Errorf("RegisterGrpcService(%q) error quotes the password: %v", target, err)
		}
	}
	for _, endpoint := range []string{"", "36790", "h:1:2"} {
		if err := theDriver(t).RegisterGrpcService("etcd://127.0.0.1:1/dtmservice", endpoint); err == nil {
			t.Errorf("RegisterGrpcService with endpoint %q = nil, want an error", endpoint)
		}
	}
}

// TestRegisterUnreachable: a first registration that cannot reach etcd fails,
// within the driver's check timeout, instead of waiting for ever as go-zero would.
func TestRegisterUnreachable(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := lis.Addr().String()
	lis.Close()
	start := time.Now()
	err = theDriver(t).RegisterGrpcService("etcd://"+dead+"/dtmservice", "127.0.0.1:36790")
	if err == nil {
		t.Fatal("RegisterGrpcService with no etcd = nil, want an error")
	}
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("the error took %v", took)
	}
	if !strings.Contains(err.Error(), dead) {
		t.Errorf("error %q does not name the etcd host %s", err, dead)
	}
	t.Logf("error after %v: %v", time.Since(start).Round(time.Millisecond), err)
}

// TestRegisterReachedByZrpcClient: dtm's registration, made by the driver, is
// reached by a real go-zero zrpc client configured with Etcd{Hosts, Key}, under
// both target forms; Close withdraws it.
func TestRegisterReachedByZrpcClient(t *testing.T) {
	e := needEtcd(t)
	for i, form := range []string{"etcd://%s/%s", "etcd:///%[1]s?key=%[2]s"} {
		t.Run(form, func(t *testing.T) {
			key := fmt.Sprintf("dtmservice-zrpc-%d", i)
			dtmAddr := dtmdrivertest.StartHealthServer(t, "dtm")
			if err := theDriver(t).RegisterGrpcService(fmt.Sprintf(form, e.Endpoint(), key), dtmAddr); err != nil {
				t.Fatal(err)
			}
			if got := published(t, key); len(got) != 1 || got[0] != dtmAddr {
				t.Fatalf("published under %s: %q, want [%s]", key, got, dtmAddr)
			}
			cli := zrpc.MustNewClient(zrpc.RpcClientConf{
				Etcd:    discov.EtcdConf{Hosts: e.Endpoints(), Key: key},
				Timeout: 10000,
			})
			defer cli.Conn().Close()
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			resp, err := healthpb.NewHealthClient(cli.Conn()).Check(ctx, &healthpb.HealthCheckRequest{Service: "dtm"})
			if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
				t.Fatalf("zrpc client call to dtm: %v, %v", resp, err)
			}
			closer := theDriver(t).(dtmdriver.Closer)
			if err := closer.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if got := published(t, key); len(got) != 0 {
				t.Errorf("after Close, %s still holds %q", key, got)
			}
			if err := closer.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		})
	}
}

// TestZrpcServerCalledThroughDriver: a real go-zero zrpc server registered in etcd
// is called through the driver's URIs, in both etcd forms.
func TestZrpcServerCalledThroughDriver(t *testing.T) {
	e := needEtcd(t)
	const key, name = "busi.rpc", "busi"
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listenOn := lis.Addr().String()
	lis.Close()
	srv := zrpc.MustNewServer(zrpc.RpcServerConf{
		ServiceConf: service.ServiceConf{Name: name, Mode: service.TestMode},
		ListenOn:    listenOn,
		Etcd:        discov.EtcdConf{Hosts: e.Endpoints(), Key: key},
	}, func(s *grpc.Server) {
		hs := health.NewServer()
		hs.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
		healthpb.RegisterHealthServer(s, hs)
	})
	started := make(chan struct{})
	go func() {
		close(started)
		srv.Start()
	}()
	<-started
	t.Cleanup(srv.Stop)

	dtmdrivertest.WaitFor(t, 20*time.Second, "the zrpc server's registration", func() bool {
		return len(published(t, key)) == 1
	})
	for _, uri := range []string{
		"etcd://" + e.Endpoint() + "/" + key + healthCheck,
		"etcd:///" + e.Endpoint() + healthCheck + "?key=" + key,
	} {
		if err := dtmdrivertest.CallHealth(t.Context(), theDriver(t), uri, name, 20*time.Second); err != nil {
			t.Error(err)
		}
	}
}
