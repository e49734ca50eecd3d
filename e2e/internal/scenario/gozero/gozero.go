// Package gozero is driver-gozero's row: an embedded etcd, dtm registered
// under a key as a go-zero zrpc server registers, business servers that are
// real go-zero zrpc servers with Etcd{Hosts, Key}.
package gozero

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/dtmdrivers/drivers/e2e/internal/scenario"
	"github.com/dtmdrivers/drivers/testenv/etcdtest"
	"github.com/zeromicro/go-zero/core/conf"
	"github.com/zeromicro/go-zero/core/discov"
	"github.com/zeromicro/go-zero/core/service"
	"github.com/zeromicro/go-zero/zrpc"
	"google.golang.org/grpc"

	// The driver enters dtm only through this import (see the protocol1 row).
	gozero "github.com/dtmdrivers/drivers/driver-gozero"
)

// dtmKey is the etcd key dtm registers under, as go-zero's Etcd.Key.
const dtmKey = scenario.DTMService

// stopWait bounds how long stopping the embedded etcd may take: go-zero keeps
// its etcd clients (and their watches) for the life of the process, and etcd
// waits for such streams up to its request timeout (5 s and two election
// timeouts) before it stops. The directory is removed only once etcd has
// stopped: a running etcd whose WAL directory is gone exits the process with
// status 1 at its next purge (log level fatal, into its own log file), which
// made a passing e2e package fail. Past stopWait the directory is left.
const stopWait = 30 * time.Second

// New returns the row.
func New() *scenario.Scenario {
	var etcd *etcdtest.Etcd
	// What go-zero publishers registered under key (key/<lease id> = host:port).
	list := func(ctx context.Context, key string) ([]string, error) { return etcd.List(ctx, key) }
	return &scenario.Scenario{
		Name:   "gozero",
		Driver: gozero.DriverName,
		About:  "go-zero's zrpc resolvers over etcd; dtm and the services register as go-zero zrpc servers do",
		StartRegistry: func() (func(), string, error) {
			e, stop, err := etcdtest.StartMain()
			if err != nil {
				return nil, "", err
			}
			etcd = e
			return func() {
				done := make(chan struct{})
				go func() { stop(); close(done) }()
				select {
				case <-done: // stop removed the directory
				case <-time.After(stopWait):
					fmt.Fprintf(os.Stderr, "e2e gozero: the embedded etcd did not stop within %v; leaving %s\n", stopWait, e.Dir())
				}
			}, "embedded etcd v3.6.16 at " + e.Endpoint(), nil
		},
		Registration: func(grpcAddr string) (string, string) {
			return "etcd://" + etcd.Endpoint() + "/" + dtmKey, grpcAddr
		},
		FindDTM:   scenario.FindByPath(list),
		Lookup:    list,
		DTMServer: func(string) string { return "etcd://" + etcd.Endpoint() + "/" + dtmKey },
		Serve: func(svc string, register func(*grpc.Server)) (string, func(), error) {
			return serveZrpc(discov.EtcdConf{Hosts: etcd.Endpoints(), Key: svc}, register, list)
		},
		// Both of the driver's etcd forms in every transaction: the legacy one
		// (the key in the path) for TransOut*, go-zero's current one (the hosts
		// in the path, the key in the query) for the rest.
		BranchURI:    func(svc, method string) string { return branchURI(etcd.Endpoint(), svc, method) },
		StartSecured: startSecured,
	}
}

// branchURI names method of svc in the etcd at endpoint.
func branchURI(endpoint, svc, method string) string {
	if strings.HasPrefix(method, "/busi.Busi/TransOut") {
		return "etcd://" + endpoint + "/" + svc + method
	}
	return "etcd:///" + endpoint + "?key=" + svc + method
}

// serveZrpc starts a go-zero zrpc server for etcd.Key with go-zero's default
// configuration (middlewares, health, timeout), registered in etcd by zrpc
// itself (with etcd's account, if any), and returns once it accepts connections and etcd lists it. zrpc's
// own Stop does not stop the gRPC server: stop stops the server zrpc built,
// and the registration stays, as after a crash until its lease expires.
func serveZrpc(etcd discov.EtcdConf, register func(*grpc.Server),
	list func(context.Context, string) ([]string, error)) (string, func(), error) {
	key := etcd.Key
	listenOn, err := scenario.FreeAddr()
	if err != nil {
		return "", nil, err
	}
	var c zrpc.RpcServerConf
	if err := conf.FillDefault(&c); err != nil {
		return "", nil, err
	}
	c.Name = key
	c.Mode = service.TestMode
	c.Log.Level = "error"
	c.Log.Stat = false
	c.ListenOn = listenOn
	c.Etcd = etcd
	built := make(chan *grpc.Server, 1)
	srv, err := zrpc.NewServer(c, func(s *grpc.Server) {
		register(s)
		built <- s
	})
	if err != nil {
		return "", nil, fmt.Errorf("zrpc server for %s: %w", key, err)
	}
	failed := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil { // zrpc panics when it cannot start
				failed <- fmt.Errorf("zrpc server for %s on %s: %v", key, listenOn, r)
			}
		}()
		srv.Start()
	}()
	var gs *grpc.Server
	select {
	case gs = <-built:
	case err := <-failed:
		return "", nil, err
	case <-time.After(30 * time.Second):
		return "", nil, fmt.Errorf("zrpc server for %s on %s did not start", key, listenOn)
	}
	err = scenario.PollTimeout(20*time.Second, 10*time.Millisecond, "zrpc server "+listenOn+" listed in etcd and accepting", func() (bool, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		addrs, err := list(ctx, key)
		if err != nil || !slices.Contains(addrs, listenOn) {
			return false, err
		}
		conn, err := net.DialTimeout("tcp", listenOn, time.Second)
		if err != nil {
			return false, err
		}
		conn.Close()
		return true, nil
	})
	if err != nil {
		gs.Stop()
		return "", nil, err
	}
	return listenOn, gs.Stop, nil
}
