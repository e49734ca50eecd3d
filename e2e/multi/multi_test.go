package multi

import (
	// First: etcd's and polaris-go's "auth.proto" in one test binary.
	_ "github.com/dtmdrivers/drivers/e2e/internal/protoconflict"

	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dtm-labs/dtm/client/dtmgrpc"
	"github.com/dtm-labs/dtm/client/dtmgrpc/dtmgimp"
	multi "github.com/dtmdrivers/drivers/driver-multi"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/e2e/internal/busi"
	"github.com/dtmdrivers/drivers/e2e/internal/dtmserver"
	"github.com/dtmdrivers/drivers/e2e/internal/e2etest"
	"github.com/dtmdrivers/drivers/e2e/internal/scenario"
	consulrow "github.com/dtmdrivers/drivers/e2e/internal/scenario/consul"
	gozerorow "github.com/dtmdrivers/drivers/e2e/internal/scenario/gozero"
	polarisrow "github.com/dtmdrivers/drivers/e2e/internal/scenario/polaris"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// The three registries, each with the row that knows how its framework
// registers services and names them in branch URIs.
var (
	etcd    = gozerorow.New()
	consul  = consulrow.New()
	polaris = polarisrow.New()
	rows    = []*scenario.Scenario{etcd, consul, polaris}
)

const (
	payer, payee = 1, 2
	opening      = 100
	quick        = 30 * time.Second
)

var (
	dtm       *dtmserver.Process // the dtm binary every test but SIGTERM's uses
	skipWhy   string             // why the tests skip, when dtm did not start
	stopRow   = map[*scenario.Scenario]func(){}
	stopOnce  = map[*scenario.Scenario]*sync.Once{}
	startedAt string // timings of TestMain, logged by the first test
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	if err := e2etest.LoopbackOnly(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e multi: not starting dtm: %v\n", err)
		skipWhy = err.Error()
		return m.Run()
	}
	bin, err := dtmBinary()
	if err != nil {
		if os.Getenv("DTMDRIVERS_BIN") != "" {
			fmt.Fprintf(os.Stderr, "e2e multi: %v\n", err)
			return 1
		}
		skipWhy = err.Error()
		return m.Run()
	}
	// Select the composite before anything dials: it registers the gRPC
	// resolvers of every linked driver (gozero, consul, polaris).
	if err := dtmdriver.Use(multi.DriverName); err != nil {
		fmt.Fprintf(os.Stderr, "e2e multi: %v\n", err)
		return 1
	}
	defer stopRegistries()
	start := time.Now()
	var about []string
	for _, sc := range rows {
		t0 := time.Now()
		stop, what, err := sc.StartRegistry()
		if err != nil {
			fmt.Fprintf(os.Stderr, "e2e multi: starting %s's registry: %v\n", sc.Name, err)
			return 1
		}
		stopRow[sc], stopOnce[sc] = stop, &sync.Once{}
		about = append(about, fmt.Sprintf("%s in %v", what, time.Since(t0).Round(time.Millisecond)))
	}
	// This process reaches dtm through Polaris too: its Polaris driver learns
	// the server from the environment, as a client app's does.
	for _, kv := range polaris.ClientAppEnv() {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	dir, err := os.MkdirTemp("", "e2e-multi-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e multi: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	t0 := time.Now()
	dtm, err = startDTM(bin, dir, scenario.DTMService)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e multi: %v\n", err)
		return 1
	}
	defer dtm.Kill()
	startedAt = fmt.Sprintf("registries: %s; dtm binary started and listed in all three in %v; set-up %v",
		strings.Join(about, "; "), time.Since(t0).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	return m.Run()
}

func stopRegistries() {
	for _, sc := range slices.Backward(rows) {
		if stop := stopRow[sc]; stop != nil {
			stopOnce[sc].Do(stop)
		}
	}
}

// dtmBinary is the dtm binary make check-publish installs: $DTMDRIVERS_BIN/dtm.
func dtmBinary() (string, error) {
	bin := filepath.Join(os.Getenv("DTMDRIVERS_BIN"), "dtm")
	if _, err := os.Stat(bin); os.Getenv("DTMDRIVERS_BIN") == "" || err != nil {
		return "", fmt.Errorf("%w (looked for %s)", dtmserver.ErrNoBinary, bin)
	}
	return bin, nil
}

// target is dtm's MicroService.Target: one target per registry, each in its
// driver's form, dtm's service named service in each.
func target(grpcAddr, service string) string {
	var targets []string
	for _, sc := range rows {
		t, _ := sc.Registration(grpcAddr)
		targets = append(targets, strings.Replace(t, scenario.DTMService, service, 1))
	}
	return strings.Join(targets, "; ")
}

// rowTarget is the part of target that names sc's registry.
func rowTarget(sc *scenario.Scenario, grpcAddr, service string) string {
	t, _ := sc.Registration(grpcAddr)
	return strings.Replace(t, scenario.DTMService, service, 1)
}

// startDTM starts the dtm binary with the composite driver, registered under
// service in the three registries, and waits until each lists it.
func startDTM(bin, dir, service string) (*dtmserver.Process, error) {
	p, err := dtmserver.StartProcess(bin, dtmserver.Config{
		Dir:      dir,
		Driver:   multi.DriverName,
		LogLevel: os.Getenv(e2etest.LogEnv),
		Registration: func(grpcAddr string) (string, string) {
			return target(grpcAddr, service), grpcAddr
		},
	})
	if err != nil {
		return nil, err
	}
	for _, sc := range rows {
		err := scenario.PollTimeout(30*time.Second, 5*time.Millisecond, "dtm listed in "+sc.Name+"'s registry", func() (bool, error) {
			addrs, err := sc.FindDTM(context.Background(), rowTarget(sc, p.GrpcAddr, service))
			return slices.Contains(addrs, p.EndPoint), err
		})
		if err != nil {
			p.Kill()
			return nil, fmt.Errorf("%w; dtm's output:\n%s", err, p.Output())
		}
	}
	return p, nil
}

func needDTM(t *testing.T) {
	t.Helper()
	if dtm == nil {
		t.Skip(skipWhy)
	}
}

// dtmURI is how a client reaches dtm through sc's registry.
func dtmURI(sc *scenario.Scenario, service string) string {
	return strings.Replace(sc.DTMServer(dtm.GrpcAddr), scenario.DTMService, service, 1)
}

// bank is a business service in one registry: a bank in memory behind one
// busi.Busi server, served and registered as sc's framework does.
type bank struct {
	sc      *scenario.Scenario
	service string
	bank    *busi.Bank
	stop    func()

	mu       sync.Mutex
	answered []string
	fail     func(method string) error
}

var seq atomic.Int64

func newBank(t *testing.T, sc *scenario.Scenario) *bank {
	t.Helper()
	b := &bank{
		sc:      sc,
		service: fmt.Sprintf("busi-multi-%s-%d", sc.Name, seq.Add(1)),
		bank:    busi.NewBank(map[int]int64{payer: opening, payee: opening}),
	}
	b.bank.Fail = func(_, method string, _ busi.Transfer) error {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.fail != nil {
			return b.fail(method)
		}
		return nil
	}
	b.bank.OnCall = func(_, method string, _ busi.Transfer) {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.answered = append(b.answered, method)
	}
	t0 := time.Now()
	_, stop, err := sc.Serve(b.service, func(s *grpc.Server) { b.bank.Register(s, b.service) })
	if err != nil {
		t.Fatalf("serving %s in %s: %v", b.service, sc.Name, err)
	}
	t.Logf("%s: %s served and listed in %v", sc.Name, b.service, time.Since(t0).Round(time.Millisecond))
	b.stop = stop
	t.Cleanup(stop)
	return b
}

func (b *bank) uri(method string) string {
	return b.sc.BranchURI(b.service, "/"+busi.ServiceName+"/"+method)
}

func (b *bank) want(t *testing.T, payerWant, payeeWant int64) {
	t.Helper()
	if p, q := b.bank.Balance(payer), b.bank.Balance(payee); p != payerWant || q != payeeWant {
		t.Errorf("%s (%s): balances %d, %d; want %d, %d", b.service, b.sc.Name, p, q, payerWant, payeeWant)
	}
}

func (b *bank) wantAnswered(t *testing.T, methods ...string) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range methods {
		if !slices.Contains(b.answered, m) {
			t.Errorf("%s (%s): %s was never answered (answered: %q)", b.service, b.sc.Name, m, b.answered)
		}
	}
}

func newGid(t *testing.T, server string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), quick)
	defer cancel()
	r, err := dtmgimp.MustGetDtmClient(server).NewGid(ctx, &emptypb.Empty{})
	if err != nil {
		t.Fatalf("NewGid from dtm at %s: %v", server, err)
	}
	return r.Gid
}

func transfer(user int, amount int64) *wrapperspb.StringValue {
	return busi.Transfer{User: user, Amount: amount}.Encode()
}

// dtm is listed in each registry under its own target, and a client reaches it
// through each registry's URI, routed by the composite in this process.
func TestRegisteredInEveryRegistry(t *testing.T) {
	needDTM(t)
	t.Log(startedAt)
	for _, sc := range rows {
		addrs, err := sc.FindDTM(t.Context(), rowTarget(sc, dtm.GrpcAddr, scenario.DTMService))
		if err != nil || !slices.Contains(addrs, dtm.EndPoint) {
			t.Errorf("%s lists %q (%v), want dtm's %s", sc.Name, addrs, err, dtm.EndPoint)
		}
		if gid := newGid(t, dtmURI(sc, scenario.DTMService)); gid == "" {
			t.Errorf("dtm through %s gave an empty gid", sc.Name)
		}
	}
}

// A saga whose branches live in three registries: TransOut in a zrpc service
// in etcd, TransIn in a service in Consul and one in Polaris.
func TestSagaAcrossRegistries(t *testing.T) {
	needDTM(t)
	out, in1, in2 := newBank(t, etcd), newBank(t, consul), newBank(t, polaris)
	for _, via := range rows {
		t.Run("dtm via "+via.Name, func(t *testing.T) {
			server := dtmURI(via, scenario.DTMService)
			gid := newGid(t, server)
			start := time.Now()
			s := dtmgrpc.NewSagaGrpc(server, gid).
				Add(out.uri("TransOut"), out.uri("TransOutRevert"), transfer(payer, 10)).
				Add(in1.uri("TransIn"), in1.uri("TransInRevert"), transfer(payee, 10)).
				Add(in2.uri("TransIn"), in2.uri("TransInRevert"), transfer(payee, 10))
			if err := s.Submit(); err != nil {
				t.Fatalf("Submit: %v", err)
			}
			if _, err := dtm.WaitFinal(gid, "succeed", quick, 5*time.Millisecond); err != nil {
				t.Fatalf("%v; dtm's output:\n%s", err, dtm.Output())
			}
			t.Logf("saga over etcd, Consul and Polaris, submitted through %s: Submit to succeed in %v",
				via.Name, time.Since(start).Round(time.Millisecond))
		})
	}
	out.want(t, opening-30, opening)
	in1.want(t, opening, opening+30)
	in2.want(t, opening, opening+30)
}

// The Polaris branch refuses: dtm compensates the branches in etcd and Consul.
func TestSagaCompensatedAcrossRegistries(t *testing.T) {
	needDTM(t)
	out, in1, in2 := newBank(t, etcd), newBank(t, consul), newBank(t, polaris)
	in2.fail = func(method string) error {
		if method == "TransIn" {
			return status.Error(codes.Aborted, "payee account closed in polaris")
		}
		return nil
	}
	server := dtmURI(consul, scenario.DTMService)
	gid := newGid(t, server)
	start := time.Now()
	s := dtmgrpc.NewSagaGrpc(server, gid).
		Add(out.uri("TransOut"), out.uri("TransOutRevert"), transfer(payer, 30)).
		Add(in1.uri("TransIn"), in1.uri("TransInRevert"), transfer(payee, 30)).
		Add(in2.uri("TransIn"), in2.uri("TransInRevert"), transfer(payee, 30))
	_ = s.Submit() // its error says nothing final: dtm's status does
	tr, err := dtm.WaitFinal(gid, "failed", quick, 5*time.Millisecond)
	if err != nil {
		t.Fatalf("%v; dtm's output:\n%s", err, dtm.Output())
	}
	t.Logf("compensated saga over three registries: Submit to failed in %v", time.Since(start).Round(time.Millisecond))
	if !strings.Contains(tr.RollbackReason, "payee account closed in polaris") {
		t.Errorf("rollback reason %q does not quote the Polaris branch's error", tr.RollbackReason)
	}
	out.want(t, opening, opening)
	in1.want(t, opening, opening)
	in2.want(t, opening, opening)
	out.wantAnswered(t, "TransOut", "TransOutRevert")
	in1.wantAnswered(t, "TransIn", "TransInRevert")
}

// A client app of each ecosystem, linking its own driver only, reaches dtm
// through its own registry and runs a saga on a service in that registry.
func TestClientAppOfEachEcosystem(t *testing.T) {
	needDTM(t)
	for _, sc := range rows {
		t.Run(sc.Name, func(t *testing.T) {
			bin := buildClientApp(t, sc.BuildTag())
			b := newBank(t, sc)
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "-driver", sc.Driver, "-dtm", dtmURI(sc, scenario.DTMService),
				"-out", b.uri("TransOut"), "-out-revert", b.uri("TransOutRevert"),
				"-in", b.uri("TransIn"), "-in-revert", b.uri("TransInRevert"),
				"-from", strconv.Itoa(payer), "-to", strconv.Itoa(payee), "-amount", "25")
			if sc.ClientAppEnv != nil {
				cmd.Env = append(os.Environ(), sc.ClientAppEnv()...)
			}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			start := time.Now()
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", cmd, err, &stdout, &stderr)
			}
			var gid string
			for line := range strings.Lines(stdout.String()) {
				if g, ok := strings.CutPrefix(strings.TrimSpace(line), "gid "); ok && g != "" && !strings.Contains(g, " ") {
					gid = g
				}
			}
			if gid == "" {
				t.Fatalf("client app printed %q, want a line \"gid <gid>\"; stderr:\n%s", &stdout, &stderr)
			}
			if _, err := dtm.WaitFinal(gid, "succeed", quick, 5*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s client app (%s only) through %s: run to succeed in %v", sc.Name, sc.Driver,
				dtmURI(sc, scenario.DTMService), time.Since(start).Round(time.Millisecond))
			b.want(t, opening-25, opening+25)
		})
	}
}

// buildClientApp builds e2e/cmd/clientapp with tags (one driver).
func buildClientApp(t *testing.T, tags string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "clientapp")
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", tags, "-o", bin, "../cmd/clientapp")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the client app with -tags %s: %v\n%s", tags, err, out)
	}
	return bin
}

// SIGTERM withdraws dtm from all three registries, and dtm exits 0. A dtm of
// its own, under a service of its own, so that the others keep theirs.
func TestSIGTERMWithdrawsFromEveryRegistry(t *testing.T) {
	needDTM(t)
	bin, err := dtmBinary()
	if err != nil {
		t.Fatal(err)
	}
	const service = "dtmsigterm"
	p, err := startDTM(bin, t.TempDir(), service)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	start := time.Now()
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	gone := map[string]time.Duration{}
	err = scenario.PollTimeout(30*time.Second, time.Millisecond, "the three registries dropping the stopped dtm", func() (bool, error) {
		for _, sc := range rows {
			if gone[sc.Name] > 0 {
				continue
			}
			addrs, err := sc.FindDTM(context.Background(), rowTarget(sc, p.GrpcAddr, service))
			if err != nil {
				return false, err
			}
			if !slices.Contains(addrs, p.EndPoint) {
				gone[sc.Name] = time.Since(start)
			}
		}
		return len(gone) == len(rows), nil
	})
	if err != nil {
		t.Fatalf("%v (dropped so far: %v); dtm's output:\n%s", err, gone, p.Output())
	}
	if err := p.Wait(15 * time.Second); err != nil {
		var exit interface{ ExitCode() int }
		if !errors.As(err, &exit) || exit.ExitCode() != 0 {
			t.Fatalf("dtm exited with %v after SIGTERM, want 0; its output:\n%s", err, p.Output())
		}
	}
	if !strings.Contains(p.Output(), "registration withdrawn") {
		t.Errorf("dtm did not log that it withdrew its registration; its output:\n%s", p.Output())
	}
	t.Logf("SIGTERM → no longer listed: etcd %v, Consul %v, Polaris %v; exited 0",
		gone[etcd.Name].Round(time.Millisecond), gone[consul.Name].Round(time.Millisecond), gone[polaris.Name].Round(time.Millisecond))
}

// The Consul agent stops. Sagas over etcd and Polaris go on; a branch of a
// Consul service dtm already resolved keeps its last known address (the
// Consul driver's rule); a Consul service not resolved before fails clearly.
// Runs last: the agent stays down.
func TestConsulDownOthersKeepWorking(t *testing.T) {
	needDTM(t)
	out, inConsul, inPolaris := newBank(t, etcd), newBank(t, consul), newBank(t, polaris)
	fresh := newBank(t, consul) // never called before the agent stops
	saga := func(via *scenario.Scenario, gid string, legs ...[3]string) {
		t.Helper()
		s := dtmgrpc.NewSagaGrpc(dtmURI(via, scenario.DTMService), gid)
		for i, l := range legs {
			user := payee
			if i == 0 {
				user = payer
			}
			s.Add(l[0], l[1], transfer(user, 5))
		}
		start := time.Now()
		if err := s.Submit(); err != nil {
			t.Fatalf("Submit through %s: %v", via.Name, err)
		}
		if _, err := dtm.WaitFinal(gid, "succeed", quick, 5*time.Millisecond); err != nil {
			t.Fatalf("%v; dtm's output:\n%s", err, dtm.Output())
		}
		t.Logf("saga through %s over %d registries: Submit to succeed in %v", via.Name, len(legs), time.Since(start).Round(time.Millisecond))
	}
	leg := func(b *bank, action string) [3]string {
		return [3]string{b.uri(action), b.uri(action + "Revert")}
	}
	// Before: dtm resolves the Consul service.
	saga(etcd, newGid(t, dtmURI(etcd, scenario.DTMService)), leg(out, "TransOut"), leg(inConsul, "TransIn"))

	stopOnce[consul].Do(stopRow[consul])
	downAt := time.Now()
	t.Log("Consul agent stopped")

	// etcd and Polaris: dtm reached through each, branches in both.
	saga(etcd, newGid(t, dtmURI(etcd, scenario.DTMService)), leg(out, "TransOut"), leg(inPolaris, "TransIn"))
	saga(polaris, newGid(t, dtmURI(polaris, scenario.DTMService)), leg(out, "TransOut"), leg(inPolaris, "TransIn"))
	// The Consul service dtm had resolved: its last known address serves.
	saga(polaris, newGid(t, dtmURI(polaris, scenario.DTMService)), leg(out, "TransOut"), leg(inConsul, "TransIn"))
	out.want(t, opening-20, opening)
	inConsul.want(t, opening, opening+10)
	inPolaris.want(t, opening, opening+10)

	// A Consul service nobody resolved: the call fails, and says why.
	uri := fresh.uri("TransIn")
	server, method, err := dtmdriver.GetDriver().ParseServerMethod(uri)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient(server, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	start := time.Now()
	err = conn.Invoke(ctx, method, transfer(payee, 5), &emptypb.Empty{})
	switch {
	case err == nil:
		t.Errorf("a call to %s with the agent down succeeded", uri)
	case !strings.Contains(err.Error(), "consul"):
		t.Errorf("a call to %s with the agent down failed with %v: want the Consul resolver's error", uri, err)
	default:
		t.Logf("a Consul service not resolved before: failed in %v: %v", time.Since(start).Round(time.Millisecond), err)
	}
	t.Logf("checks with the Consul agent down took %v", time.Since(downAt).Round(time.Millisecond))
}
