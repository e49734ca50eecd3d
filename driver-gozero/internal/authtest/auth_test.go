package authtest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	gozero "github.com/dtmdrivers/drivers/driver-gozero"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/etcdtest"
	"github.com/zeromicro/go-zero/core/discov"
	"github.com/zeromicro/go-zero/core/logx"
	"github.com/zeromicro/go-zero/zrpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

const (
	dtmUser, dtmPassword = "dtm", "dtm-Pa55-word"
	appUser, appPassword = "app", "app-Pa55-word"
	healthCheck          = "/grpc.health.v1.Health/Check"
)

var (
	etcd *etcdtest.Etcd
	// logs collects go-zero's log lines, checked for passwords at the end.
	logs dtmdrivertest.SyncBuffer
)

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(0) // every test here needs etcd
	}
	logx.DisableStat()
	logx.SetWriter(logx.NewWriter(&logs))
	if err := dtmdriver.Use(gozero.DriverName); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	e, stop, err := etcdtest.StartMain()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	etcd = e
	code := m.Run()
	stop()
	etcdLog, _ := os.ReadFile(e.LogPath())
	for _, pw := range []string{dtmPassword, appPassword, "wrong-" + dtmPassword} {
		if strings.Contains(logs.String(), pw) || strings.Contains(string(etcdLog), pw) {
			fmt.Fprintf(os.Stderr, "FAIL: a password appears in go-zero's or etcd's log\n")
			code = 1
		}
	}
	os.Exit(code)
}

// The tests below share one etcd with auth on, and run in this order. Each set of
// hosts is spelt once per account: go-zero keys its clients and accounts by hosts.
var enableOnce sync.Once

func authEtcd(t *testing.T) *etcdtest.Etcd {
	t.Helper()
	enableOnce.Do(func() {
		etcd.EnableAuth(t,
			etcdtest.User{Name: dtmUser, Password: dtmPassword},
			etcdtest.User{Name: appUser, Password: appPassword, Prefix: "busi.rpc/"})
	})
	return etcd
}

func driver(t *testing.T) dtmdriver.Driver {
	d, _ := dtmdriver.Lookup(gozero.DriverName)
	return d
}

func port(e *etcdtest.Etcd) string { return e.Endpoint()[len("127.0.0.1:"):] }

// TestCredentialsStayWithTheirCluster runs first, before any test configures the
// driver: an account given in one registration target goes to that etcd cluster
// only. Another cluster (the same server spelt otherwise, which go-zero and the
// driver take for another) registered without an account gets none, and etcd,
// with auth on, refuses it.
func TestCredentialsStayWithTheirCluster(t *testing.T) {
	e := authEtcd(t)
	t.Cleanup(func() {
		if err := dtmdriver.Close(); err != nil {
			t.Error(err)
		}
	})
	a := "[::ffff:7f00:1]:" + port(e)
	b := "localhost:" + port(e)
	dtmAddr := dtmdrivertest.StartHealthServer(t, "dtm")
	if err := driver(t).RegisterGrpcService("etcd://"+a+"/dtmservice-a?user="+dtmUser+"&password="+dtmPassword, dtmAddr); err != nil {
		t.Fatal(err)
	}
	err := driver(t).RegisterGrpcService("etcd://"+b+"/dtmservice-b", dtmAddr)
	if err == nil {
		t.Fatalf("registration to %s without an account succeeded: it used %s's account", b, a)
	}
	if strings.Contains(err.Error(), "user "+dtmUser) || !strings.Contains(err.Error(), "user name is empty") {
		t.Errorf("registration to %s without an account: %v; want etcd's refusal of no account", b, err)
	}
}

func TestRegisterWithoutAccount(t *testing.T) {
	e := authEtcd(t)
	err := driver(t).RegisterGrpcService("etcd://"+e.Endpoint()+"/dtmservice", "127.0.0.1:36790")
	if err == nil {
		t.Fatal("registration without an account succeeded on an etcd with auth on")
	}
	if !strings.Contains(err.Error(), "user name is empty") || !strings.Contains(err.Error(), "no account") {
		t.Errorf("error %q does not say the account is missing", err)
	}
}

func TestRegisterWrongPassword(t *testing.T) {
	e := authEtcd(t)
	err := driver(t).RegisterGrpcService("etcd://"+e.Endpoint()+"/dtmservice?user=dtm&password=wrong-"+dtmPassword, "127.0.0.1:36790")
	if err == nil {
		t.Fatal("registration with a wrong password succeeded")
	}
	if strings.Contains(err.Error(), dtmPassword) {
		t.Errorf("error quotes the password: %v", err)
	}
	if !strings.Contains(err.Error(), "authentication failed") {
		t.Errorf("error %q does not say authentication failed", err)
	}
}

func TestResolveWithoutAccount(t *testing.T) {
	e := authEtcd(t)
	if err := gozero.Configure(gozero.Config{}); err != nil { // no account, explicitly
		t.Fatal(err)
	}
	uri := "etcd://localhost:" + port(e) + "/busi.rpc" + healthCheck
	start := time.Now()
	err := dtmdrivertest.CallHealth(t.Context(), driver(t), uri, "busi", 20*time.Second)
	if err == nil {
		t.Fatal("resolving without an account succeeded on an etcd with auth on")
	}
	for _, want := range []string{"refused to let the resolver read", gozero.EnvUser, "user name is empty"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	t.Logf("after %v: %v", time.Since(start).Round(time.Millisecond), err)
}

// TestTargetAccount: the dtm server's registration target carries the account; it
// registers dtm, a go-zero client with the same account reaches dtm, and branch
// URIs through the same hosts resolve with it.
func TestTargetAccount(t *testing.T) {
	e := authEtcd(t)
	hosts := []string{e.Endpoint()}
	dtmAddr := dtmdrivertest.StartHealthServer(t, "dtm")
	target := "etcd://" + e.Endpoint() + "/dtmservice?user=" + dtmUser + "&password=" + dtmPassword
	if err := driver(t).RegisterGrpcService(target, dtmAddr); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := dtmdriver.Close(); err != nil {
			t.Error(err)
		}
	})

	cli := zrpc.MustNewClient(zrpc.RpcClientConf{
		Etcd:    discov.EtcdConf{Hosts: hosts, Key: "dtmservice", User: dtmUser, Pass: dtmPassword},
		Timeout: 10000,
	})
	defer cli.Conn().Close()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	resp, err := healthpb.NewHealthClient(cli.Conn()).Check(ctx, &healthpb.HealthCheckRequest{Service: "dtm"})
	if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("go-zero client with the account calling dtm: %v, %v", resp, err)
	}

	busi := dtmdrivertest.StartHealthServer(t, "busi")
	pub := discov.NewPublisher([]string{e.Endpoint()}, "busi.rpc", busi)
	if err := pub.KeepAlive(); err != nil {
		t.Fatal(err)
	}
	defer pub.Stop()
	uri := "etcd://" + e.Endpoint() + "/busi.rpc" + healthCheck
	if err := dtmdrivertest.CallHealth(t.Context(), driver(t), uri, "busi", 20*time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestConfigureAccount: a client app gives the driver an account explicitly.
func TestConfigureAccount(t *testing.T) {
	e := authEtcd(t)
	if err := gozero.Configure(gozero.Config{User: appUser, Password: appPassword}); err != nil {
		t.Fatal(err)
	}
	busi := dtmdrivertest.StartHealthServer(t, "busi")
	pub := discov.NewPublisher([]string{e.Endpoint()}, "busi.rpc", busi) // the dtm account's client
	if err := pub.KeepAlive(); err != nil {
		t.Fatal(err)
	}
	defer pub.Stop()
	for _, uri := range []string{
		"etcd://localhost:" + port(e) + "/busi.rpc" + healthCheck,
		"etcd:///localhost:" + port(e) + "," + e.Endpoint() + healthCheck + "?key=busi.rpc",
	} {
		if err := dtmdrivertest.CallHealth(t.Context(), driver(t), uri, "busi", 20*time.Second); err != nil {
			t.Error(err)
		}
	}
	// The app's role may not read other keys: the error says so.
	uri := "etcd://[::ffff:127.0.0.1]:" + port(e) + "/other.rpc" + healthCheck
	err := dtmdrivertest.CallHealth(t.Context(), driver(t), uri, "busi", 20*time.Second)
	if err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("resolving a key the account may not read: %v, want permission denied", err)
	}
}

func TestConfigFromEnv(t *testing.T) {
	t.Setenv(gozero.EnvUser, appUser)
	t.Setenv(gozero.EnvPassword, appPassword)
	c, err := gozero.ConfigFromEnv()
	if err != nil || c.User != appUser || c.Password != appPassword {
		t.Fatalf("ConfigFromEnv() = %v, %v", c, err)
	}
	if strings.Contains(c.String(), appPassword) || strings.Contains(fmt.Sprint(c), appPassword) {
		t.Errorf("Config.String() shows the password: %s", c)
	}
	t.Setenv(gozero.EnvInsecureSkipVerify, "maybe")
	if _, err := gozero.ConfigFromEnv(); err == nil {
		t.Error("ConfigFromEnv with a non-boolean insecure flag: nil error")
	}
	t.Setenv(gozero.EnvInsecureSkipVerify, "")
	t.Setenv(gozero.EnvPassword, "")
	if _, err := gozero.ConfigFromEnv(); err == nil {
		t.Error("ConfigFromEnv with a user and no password: nil error")
	}
	t.Setenv(gozero.EnvPassword, appPassword)
	t.Setenv(gozero.EnvCertFile, "/nonexistent/cert.pem")
	if _, err := gozero.ConfigFromEnv(); err == nil {
		t.Error("ConfigFromEnv with a certificate and no key or CA: nil error")
	}
	t.Setenv(gozero.EnvCertKeyFile, "/nonexistent/key.pem")
	t.Setenv(gozero.EnvCACertFile, "/nonexistent/ca.pem")
	if _, err := gozero.ConfigFromEnv(); err == nil || strings.Contains(err.Error(), appPassword) {
		t.Errorf("ConfigFromEnv with missing TLS files: %v", err)
	}
}
