package faulttest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	gozero "github.com/dtmdrivers/drivers/driver-gozero"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/etcdtest"
	"github.com/zeromicro/go-zero/core/discov"
	"github.com/zeromicro/go-zero/core/logx"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/peer"
)

const healthCheck = "/grpc.health.v1.Health/Check"

var etcd *etcdtest.Etcd

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(0) // every test here needs etcd
	}
	logx.DisableStat()
	logx.Disable() // go-zero logs every failed attempt while etcd is down
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
	os.Exit(code)
}

func driver() dtmdriver.Driver {
	d, _ := dtmdriver.Lookup(gozero.DriverName)
	return d
}

func publish(t testing.TB, hosts []string, key, addr string) *discov.Publisher {
	t.Helper()
	pub := discov.NewPublisher(hosts, key, addr)
	if err := pub.KeepAlive(); err != nil {
		t.Fatalf("publishing %s under %s: %v", addr, key, err)
	}
	t.Cleanup(pub.Stop)
	return pub
}

// call makes one health call on conn and returns the address of the server that
// answered it: with the calls spread over the instances, that says which one.
func call(ctx context.Context, conn *grpc.ClientConn, method string) (string, error) {
	var p peer.Peer
	var resp healthpb.HealthCheckResponse
	if err := conn.Invoke(ctx, method, &healthpb.HealthCheckRequest{}, &resp, grpc.Peer(&p)); err != nil {
		return "", err
	}
	return p.Addr.String(), nil
}

// TestEtcdOutage stops etcd for several seconds while calls run, then restarts it
// on the same port: calls to the known instance keep working throughout, dtm's
// registration keeps its lease alive again within seconds, and an instance
// registered after the restart is seen.
func TestEtcdOutage(t *testing.T) {
	e := etcd
	hosts := e.Endpoints()
	dtmAddr := dtmdrivertest.StartHealthServer(t, "dtm")
	if err := driver().RegisterGrpcService("etcd://"+e.Endpoint()+"/dtmservice-outage", dtmAddr); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := dtmdriver.Close(); err != nil {
			t.Error(err)
		}
	})
	a := dtmdrivertest.StartHealthServer(t, "a")
	publish(t, hosts, "outage.rpc", a)
	conn, method := dtmdrivertest.Dial(t, driver(), "etcd://"+e.Endpoint()+"/outage.rpc"+healthCheck)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	if _, err := call(ctx, conn, method); err != nil {
		t.Fatalf("before the outage: %v", err)
	}
	cancel()

	// Calls every 20 ms until told to stop; any failure is counted.
	var calls, failures atomic.Int64
	var firstErr atomic.Value // the first call's error, for the report
	begin := time.Now()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			if _, err := call(ctx, conn, method); err != nil {
				failures.Add(1)
				firstErr.CompareAndSwap(nil, fmt.Sprintf("%v after the calls began: %v", time.Since(begin).Round(time.Millisecond), err))
			}
			cancel()
			calls.Add(1)
		}
	}()

	down := time.Now()
	e.Stop()
	const outage = 3 * time.Second
	downFor := time.NewTimer(outage)
	<-downFor.C // etcd stays down: the point of the test, not a wait for a condition
	duringOutage := calls.Load()
	e.Restart(t)
	t.Logf("etcd down for %v (stopping it drains streams for ~5 s), %d calls made meanwhile",
		time.Since(down).Round(100*time.Millisecond), duringOutage)
	restarted := time.Now()

	// dtm's registration: present, and its lease renewed by the keep-alive after
	// the restart (etcd itself extends every lease once when it takes office, so
	// a renewal shows as a remaining time above what the first reading leaves).
	raw := e.Client(t)
	var firstTTL int64
	var firstAt time.Time
	took := dtmdrivertest.WaitFor(t, 15*time.Second, "dtm's lease renewed after the restart", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		resp, err := raw.Get(ctx, "dtmservice-outage/", clientv3.WithPrefix())
		if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != dtmAddr {
			return false
		}
		ttl, err := raw.TimeToLive(ctx, clientv3.LeaseID(resp.Kvs[0].Lease))
		if err != nil || ttl.TTL <= 0 {
			return false
		}
		if firstAt.IsZero() {
			firstTTL, firstAt = ttl.TTL, time.Now()
			return false
		}
		left := firstTTL - int64(time.Since(firstAt).Seconds())
		return ttl.TTL > left+1
	})
	t.Logf("dtm's registration renewed %v after the restart", took.Round(10*time.Millisecond))

	// A new instance is seen by a new resolver.
	b := dtmdrivertest.StartHealthServer(t, "b")
	publish(t, hosts, "outage-new.rpc", b)
	if err := dtmdrivertest.CallHealth(t.Context(), driver(), "etcd://"+e.Endpoint()+"/outage-new.rpc"+healthCheck, "b", 20*time.Second); err != nil {
		t.Errorf("new instance after the restart: %v", err)
	}
	// The calls to the known instance stop before b joins its service.
	close(stop)
	<-done
	if n := failures.Load(); n > 0 {
		t.Errorf("%d of %d calls to the known instance failed around the outage; the first %v", n, calls.Load(), firstErr.Load())
	}
	t.Logf("%d calls, none failed; restart to checks done in %v", calls.Load(), time.Since(restarted).Round(10*time.Millisecond))

	// The resolver that ran through the outage sees the new instance too.
	publish(t, hosts, "outage.rpc", b)
	dtmdrivertest.WaitFor(t, 20*time.Second, "the running resolver to reach the new instance", func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		got, err := call(ctx, conn, method)
		return err == nil && got == b
	})
}

// TestLostLeaseRestored: when dtm's lease disappears from etcd (revoked behind the
// driver's back, as when etcd expired it), go-zero's publisher registers dtm again.
func TestLostLeaseRestored(t *testing.T) {
	e := etcd
	raw := e.Client(t)
	dtmAddr := dtmdrivertest.StartHealthServer(t, "dtm")
	if err := driver().RegisterGrpcService("etcd://"+e.Endpoint()+"/dtmservice-lost", dtmAddr); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := dtmdriver.Close(); err != nil {
			t.Error(err)
		}
	})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	resp, err := raw.Get(ctx, "dtmservice-lost/", clientv3.WithPrefix())
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("dtm's registration: %v, %v", resp, err)
	}
	lease := clientv3.LeaseID(resp.Kvs[0].Lease)
	if _, err := raw.Revoke(ctx, lease); err != nil {
		t.Fatal(err)
	}
	took := dtmdrivertest.WaitFor(t, 15*time.Second, "dtm registered again under a new lease", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		resp, err := raw.Get(ctx, "dtmservice-lost/", clientv3.WithPrefix())
		return err == nil && len(resp.Kvs) == 1 && clientv3.LeaseID(resp.Kvs[0].Lease) != lease &&
			string(resp.Kvs[0].Value) == dtmAddr
	})
	t.Logf("dtm registered again %v after its lease was revoked", took.Round(10*time.Millisecond))
}

// TestStoppedInstanceDropped: an instance whose publisher stops (a go-zero service
// shutting down) leaves the resolver's list, and calls go to the one left.
func TestStoppedInstanceDropped(t *testing.T) {
	e := etcd
	hosts := e.Endpoints()
	a := dtmdrivertest.StartHealthServer(t, "a")
	b := dtmdrivertest.StartHealthServer(t, "b")
	pubA := publish(t, hosts, "drop.rpc", a)
	publish(t, hosts, "drop.rpc", b)
	// The resolver's view: a go-zero subscriber on the same key, as the resolver
	// is built on.
	sub, err := discov.NewSubscriber(hosts, "drop.rpc")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	dtmdrivertest.WaitFor(t, 10*time.Second, "both instances listed", func() bool { return len(sub.Values()) == 2 })
	conn, method := dtmdrivertest.Dial(t, driver(), "etcd://"+e.Endpoint()+"/drop.rpc"+healthCheck)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if _, err := call(ctx, conn, method); err != nil {
		t.Fatal(err)
	}
	pubA.Stop()
	took := dtmdrivertest.WaitFor(t, 10*time.Second, "a dropped", func() bool {
		return !slices.Contains(sub.Values(), a) && slices.Contains(sub.Values(), b)
	})
	t.Logf("a dropped from the list %v after its publisher stopped", took.Round(time.Millisecond))
	for range 20 {
		got, err := call(ctx, conn, method)
		if err != nil {
			t.Fatal(err)
		}
		if got != b {
			// a's server still runs: only the list changed. gRPC must have left it.
			dtmdrivertest.WaitFor(t, 10*time.Second, "calls to go to b only", func() bool {
				got, err := call(ctx, conn, method)
				return err == nil && got == b
			})
		}
	}
}

// TestClusterNodeKilled: with one node of a three-node etcd cluster killed, known
// instances keep answering and new registrations are resolved.
func TestClusterNodeKilled(t *testing.T) {
	c := etcdtest.StartCluster(t, 3)
	hosts := c.Endpoints()
	list := hosts[0] + "," + hosts[1] + "," + hosts[2]
	a := dtmdrivertest.StartHealthServer(t, "a")
	publish(t, hosts, "cluster.rpc", a)
	conn, method := dtmdrivertest.Dial(t, driver(), "etcd://"+list+"/cluster.rpc"+healthCheck)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, err := call(ctx, conn, method); err != nil {
		t.Fatal(err)
	}
	c.Members[0].Stop()
	if _, err := call(ctx, conn, method); err != nil {
		t.Errorf("known instance with a node down: %v", err)
	}
	b := dtmdrivertest.StartHealthServer(t, "b")
	publish(t, hosts, "cluster-new.rpc", b)
	for _, uri := range []string{
		"etcd://" + list + "/cluster-new.rpc" + healthCheck,
		"etcd:///" + list + healthCheck + "?key=cluster-new.rpc",
	} {
		if err := dtmdrivertest.CallHealth(t.Context(), driver(), uri, "b", 30*time.Second); err != nil {
			t.Errorf("new instance with a node down: %v", err)
		}
	}
}
