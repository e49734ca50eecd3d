package polaris

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/polarismesh/polaris-go/api"
	"github.com/polarismesh/polaris-go/pkg/model"
)

func TestRegisterGrpcServiceRejects(t *testing.T) {
	d := newDriver()
	for _, tt := range []struct{ target, endpoint string }{
		{"etcd://127.0.0.1:2379/dtmservice", "10.0.0.5:36790"},
		{"polaris://", "10.0.0.5:36790"},
		{"polaris://127.0.0.1:8091", "10.0.0.5:36790"},
		{"polaris://127.0.0.1:8091/", "10.0.0.5:36790"},
		{"polaris://127.0.0.1/dtmservice", "10.0.0.5:36790"},
		{"polaris://127.0.0.1:8091,/dtmservice", "10.0.0.5:36790"},
		{"polaris://127.0.0.1:8091/dtm/service", "10.0.0.5:36790"},
		{"polaris://127.0.0.1:8091/dtmservice?ttl=5000000000", "10.0.0.5:36790"},
		{"polaris://127.0.0.1:8091/dtmservice?ttl=5s", "10.0.0.5:36790"},
		{"polaris://127.0.0.1:8091/dtmservice?ttl=0", "10.0.0.5:36790"},
		{"polaris://127.0.0.1:8091/dtmservice?namespace=a/b", "10.0.0.5:36790"},
		{"polaris://127.0.0.1:8091/dtmservice?tokn=x", "10.0.0.5:36790"},
		{"polaris://u:" + dtmdrivertest.Secret + "@127.0.0.1:8091/dtmservice", "10.0.0.5:36790"},
		{"polaris://127.0.0.1:8091/dtmservice?token=" + dtmdrivertest.Secret, "36790"},
		{"polaris://127.0.0.1:8091/dtmservice?token=" + dtmdrivertest.Secret, "10.0.0.5:99999"},
		// The upstream driver's arguments: dtm's address in the target, a token as the endpoint.
		{"polaris://10.0.0.5:36790/dtmservice?namespace=default", dtmdrivertest.Secret},
	} {
		err := d.RegisterGrpcService(tt.target, tt.endpoint)
		switch {
		case err == nil:
			t.Errorf("RegisterGrpcService(%q, %q) = nil, want an error", tt.target, tt.endpoint)
		case !errors.Is(err, dtmdriver.ErrBadURI):
			t.Errorf("RegisterGrpcService(%q, %q) error %v does not wrap dtmdriver.ErrBadURI", tt.target, tt.endpoint, err)
		case strings.Contains(err.Error(), dtmdrivertest.Secret):
			t.Errorf("RegisterGrpcService(%q, %q) error quotes the token: %v", tt.target, tt.endpoint, err)
		}
	}
	if err := d.RegisterGrpcService("", "10.0.0.5:36790"); err != nil {
		t.Errorf("RegisterGrpcService with an empty target: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("Close of an unused driver: %v", err)
	}
}

// TestRegisterDtm registers dtm as the dtm server does, checks that a plain
// polaris-go consumer and the driver's own resolver (configured by the target
// alone) both find it, and that Close deregisters it and stops everything.
func TestRegisterDtm(t *testing.T) {
	srv := startPolaris(t)
	consumer := api.NewConsumerAPIByContext(providerSDK(t, srv))

	d := newDriver()
	var logs dtmdrivertest.SyncBuffer
	d.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	dir := t.TempDir()
	if err := d.configure(Config{Dir: dir, RefreshInterval: testRefresh}); err != nil {
		t.Fatal(err)
	}
	dtmAddr := dtmdrivertest.StartHealthServer(t, "dtm")
	target := "polaris://" + srv.GRPCAddr() + "/dtmservice?namespace=dtmns&token=" + dtmdrivertest.Secret + "&ttl=2&metadata.role=dtm"
	start := time.Now()
	if err := d.RegisterGrpcService(target, dtmAddr); err != nil {
		t.Fatal(err)
	}
	t.Logf("RegisterGrpcService returned after %v", time.Since(start).Round(time.Millisecond))
	host, port := dtmdrivertest.HostPort(t, dtmAddr)

	insts := srv.Instances(t, "dtmns", "dtmservice")
	if len(insts) != 1 || insts[0].Host != host || insts[0].Port != port || !insts[0].Healthy || insts[0].Metadata["role"] != "dtm" {
		t.Fatalf("server lists %+v, want one healthy %s with role=dtm", insts, dtmAddr)
	}
	dtmdrivertest.WaitFor(t, 20*time.Second, "dtm in a plain polaris-go consumer", func() bool {
		resp, err := consumer.GetOneInstance(&api.GetOneInstanceRequest{GetOneInstanceRequest: model.GetOneInstanceRequest{
			Namespace: "dtmns", Service: "dtmservice",
		}})
		return err == nil && len(resp.GetInstances()) == 1 && resp.GetInstances()[0].GetPort() == uint32(port)
	})

	// The resolver takes the Polaris server from the registration target.
	conn := dialDriver(t, d, "polaris://dtmservice?namespace=dtmns&metadata.role=dtm")
	if err := checkHealth(t.Context(), conn, "dtm", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	conn.Close()

	// Heartbeats keep it healthy past several TTLs.
	dtmdrivertest.WaitFor(t, 10*time.Second, "heartbeats past 3 TTLs", func() bool { return time.Since(start) > 7*time.Second })
	if insts := srv.Instances(t, "dtmns", "dtmservice"); len(insts) != 1 || !insts[0].Healthy {
		t.Fatalf("after 7 s, server lists %+v, want dtm healthy", insts)
	}

	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if insts := srv.Instances(t, "dtmns", "dtmservice"); len(insts) != 0 {
		t.Errorf("after Close, server lists %+v, want none", insts)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if strings.Contains(logs.String(), dtmdrivertest.Secret) {
		t.Errorf("the driver logged the token:\n%s", logs.String())
	}
	// polaris-go writes its configuration, the token included, to its log
	// files at level info.
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(data), dtmdrivertest.Secret) {
			t.Errorf("polaris-go wrote the token into %s", path)
		}
		return err
	})
	if err != nil {
		t.Error(err)
	}
}

// TestInteropGrpcGoPolaris resolves instances registered the way
// grpc-go-polaris' server registers, through the URI form its client writes
// (base64url options with a namespace and dst_metadata), and through ours.
func TestInteropGrpcGoPolaris(t *testing.T) {
	srv := startPolaris(t)
	provider := providerSDK(t, srv)
	blue := dtmdrivertest.StartHealthServer(t, "blue")
	green := dtmdrivertest.StartHealthServer(t, "green")
	registerLikeGrpcGoPolaris(t, provider, "Test", "busi", blue, map[string]string{"env": "blue"})
	registerLikeGrpcGoPolaris(t, provider, "Test", "busi", green, map[string]string{"env": "green"})

	d := newTestDriver(t, srv)
	opts, err := json.Marshal(map[string]any{"Namespace": "Test", "dst_metadata": map[string]string{"env": "blue"}, "route": true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ uri, want string }{
		{"polaris://busi?options=" + base64.URLEncoding.EncodeToString(opts) + "/grpc.health.v1.Health/Check", "blue"},
		{"polaris://busi/?options=" + base64.URLEncoding.EncodeToString(opts) + "/grpc.health.v1.Health/Check", "blue"},
		{"polaris://busi/grpc.health.v1.Health/Check?namespace=Test&metadata.env=green", "green"},
	} {
		server, _, err := d.ParseServerMethod(tc.uri)
		if err != nil {
			t.Fatal(err)
		}
		conn := dialDriver(t, d, server)
		// Several calls: round robin would reach the other one if it were listed.
		for range 4 {
			if err := checkHealth(t.Context(), conn, tc.want, 20*time.Second); err != nil {
				t.Fatalf("%s: %v", tc.uri, err)
			}
		}
	}
}

// TestLeaks checks that Close stops everything the driver started: dtm's
// heartbeat, the resolvers' watches and what polaris-go runs for the driver. A
// first cycle of registration, resolution and Close may set up what lives for the
// whole process (polaris-go's loggers, and nothing else); a second must leave the
// goroutines and file descriptors exactly as the first left them.
func TestLeaks(t *testing.T) {
	srv := startPolaris(t)
	dtmAddr := dtmdrivertest.StartHealthServer(t, "dtm")
	dir := t.TempDir()
	cycle := func() {
		t.Helper()
		d := newDriver()
		if err := d.configure(Config{Dir: dir, RefreshInterval: testRefresh}); err != nil {
			t.Fatal(err)
		}
		if err := d.RegisterGrpcService("polaris://"+srv.GRPCAddr()+"/dtmservice?ttl=2", dtmAddr); err != nil {
			t.Fatal(err)
		}
		conn := dialDriver(t, d, "polaris://dtmservice")
		if err := checkHealth(t.Context(), conn, "dtm", 20*time.Second); err != nil {
			t.Fatal(err)
		}
		// A resolver that is still open when the driver closes stops too.
		rec := dtmdrivertest.NewRecorder()
		r := dtmdrivertest.BuildResolver(t, &builder{d: d}, "polaris://dtmservice", rec)
		dtmdrivertest.WaitFor(t, 10*time.Second, "the second resolver's addresses", func() bool { return rec.Has(dtmAddr) })
		conn.Close()
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		r.Close()
	}
	base := dtmdrivertest.TrackGoroutines()
	before := runtime.NumGoroutine()
	cycle()
	// The first cycle leaves only polaris-go's process-wide loggers: three
	// lumberjack files (base, cache, network) in the log directory, each with
	// its rotation goroutine, made once per directory.
	base.Check(t, 10*time.Second, "github.com/natefinch/lumberjack.(*Logger).millRun")
	t.Logf("goroutines: %d before, %d after cycle 1", before, runtime.NumGoroutine())
	goroutines := dtmdrivertest.TrackGoroutines()
	fds := dtmdrivertest.TrackFDs()
	cycle()
	goroutines.Check(t, 10*time.Second)
	fds.Check(t, 10*time.Second)
	t.Logf("goroutines: %d after cycle 2; %d fds", runtime.NumGoroutine(), countFDs())
}

func countFDs() int {
	entries, _ := os.ReadDir("/proc/self/fd")
	return len(entries)
}

// TestCloseWithdrawsOldRegistration: with the Polaris server's shipped
// configuration (cache.diffTime 5s), a consumer stops listing dtm promptly after
// Close, even when dtm's record is older than that window. A bare deregistration
// is never seen by the server's naming cache then: Close isolates dtm first.
func TestCloseWithdrawsOldRegistration(t *testing.T) {
	srv := startPolaris(t)
	consumer := providerSDK(t, srv)
	d := newTestDriver(t, srv)
	const service = "dtmservice-old"
	dtmAddr := dtmdrivertest.StartHealthServer(t, "dtm")
	if err := d.RegisterGrpcService("polaris://"+srv.GRPCAddr()+"/"+service, dtmAddr); err != nil {
		t.Fatal(err)
	}
	listed := func() bool { return slices.Contains(consumerView(t, consumer, DefaultNamespace, service), dtmAddr) }
	dtmdrivertest.WaitFor(t, 20*time.Second, "dtm listed by a consumer", listed)
	select { // age dtm's record past the server's cache window
	case <-time.After(6 * time.Second):
	case <-t.Context().Done():
		return
	}
	start := time.Now()
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	dtmdrivertest.WaitFor(t, 5*time.Second, "the consumer to stop listing dtm after Close", func() bool { return !listed() })
	t.Logf("a consumer stopped listing dtm %v after Close began", time.Since(start).Round(time.Millisecond))
}
