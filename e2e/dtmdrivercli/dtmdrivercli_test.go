package dtmdrivercli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/e2e/internal/dtmserver"
	"github.com/dtmdrivers/drivers/testenv/consultest"
	"github.com/dtmdrivers/drivers/testenv/etcdtest"
)

var etcd *etcdtest.Etcd

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run())
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

// binary returns $DTMDRIVERS_BIN/name, installed by make check-publish. It
// fails the test when DTMDRIVERS_BIN is set (make test) and the binary is
// missing, and skips it otherwise.
func binary(t *testing.T, name string) string {
	t.Helper()
	dir := os.Getenv("DTMDRIVERS_BIN")
	bin := filepath.Join(dir, name)
	if _, err := os.Stat(bin); dir == "" || err != nil {
		msg := fmt.Sprintf("the %s binary is not installed: run make check-publish, which installs it into .bin (looked for %s)", name, bin)
		if dir != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return bin
}

// cli runs the dtmdriver binary and returns its stdout and exit code.
func cli(t *testing.T, bin string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("dtmdriver %s: %v", strings.Join(args, " "), err)
	}
	t.Logf("dtmdriver %s: exit %d\n%s%s", strings.Join(args, " "), cmd.ProcessState.ExitCode(), stdout.String(), stderr.String())
	return stdout.String(), cmd.ProcessState.ExitCode()
}

// checkResult is the part of `dtmdriver check -o json` this test reads.
type checkResult struct {
	OK            bool     `json:"ok"`
	Driver        string   `json:"driver"`
	Problems      []string `json:"problems"`
	Registrations []struct {
		Kind string `json:"kind"`
		Plan struct {
			Registry  string `json:"registry"`
			ClientURI string `json:"client_uri"`
		} `json:"plan"`
		Registered bool `json:"registered"`
		Probes     []struct {
			Addr    string `json:"addr"`
			Answers bool   `json:"answers"`
			Gid     string `json:"gid"`
			Error   string `json:"error"`
		} `json:"probes"`
	} `json:"registrations"`
}

func TestCheckRealDtm(t *testing.T) {
	if etcd == nil {
		t.Skip("needs etcd: not with -short")
	}
	dtmBin, cliBin := binary(t, "dtm"), binary(t, "dtmdriver")
	dir := t.TempDir()
	const key = "dtmcli"
	p, err := dtmserver.StartProcess(dtmBin, dtmserver.Config{
		Dir:    dir,
		Driver: "dtm-driver-gozero",
		Registration: func(grpcAddr string) (string, string) {
			return "etcd://" + etcd.Endpoint() + "/" + key, grpcAddr
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	conf := filepath.Join(dir, "conf.yml") // written by StartProcess, read by dtm
	dtmdrivertest.WaitFor(t, 15*time.Second, "dtm registered in etcd", func() bool {
		l, err := etcd.List(context.Background(), key)
		return err == nil && slices.Contains(l, p.GrpcAddr)
	})

	out, code := cli(t, cliBin, "check", "-c", conf)
	if code != 0 {
		t.Fatalf("check of a running dtm: exit %d, want 0", code)
	}
	for _, want := range []string{
		"driver:     dtm-driver-gozero\n",
		"registers: " + p.GrpcAddr + " as " + key + " in etcd " + etcd.Endpoint() + "\n",
		"clients:   etcd://" + etcd.Endpoint() + "/" + key + "/<package.Service>/<Method>\n",
		"endpoint " + p.GrpcAddr + " registered: true\n",
		"dtm at " + p.GrpcAddr, "answers (NewGid ",
		"ok: dtm is registered and answers\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check lacks %q", want)
		}
	}
	out, code = cli(t, cliBin, "check", "-c", conf, "-o", "json")
	var res checkResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 {
		t.Fatalf("check -o json: exit %d, %v", code, err)
	}
	if !res.OK || len(res.Registrations) != 1 || !res.Registrations[0].Registered || len(res.Registrations[0].Probes) != 1 ||
		!res.Registrations[0].Probes[0].Answers || res.Registrations[0].Probes[0].Gid == "" {
		t.Errorf("check -o json = %+v; want ok, registered, one probe answered with a gid", res)
	}

	// What clients resolve for dtm: its address.
	out, code = cli(t, cliBin, "resolve", "etcd://"+etcd.Endpoint()+"/"+key)
	if code != 0 || !strings.Contains(out, "\n  "+p.GrpcAddr+"\n") {
		t.Errorf("resolve of dtm's client URI: exit %d; want 0 and %s", code, p.GrpcAddr)
	}

	// dtm dies without withdrawing its registration: its lease keeps it
	// registered for up to 10 s, and check says the registered dtm is dead.
	if err := p.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.Wait(10 * time.Second)
	out, code = cli(t, cliBin, "check", "-c", conf, "-timeout", "3s")
	if code != 1 {
		t.Fatalf("check of a killed dtm: exit %d, want 1", code)
	}
	for _, want := range []string{"endpoint " + p.GrpcAddr + " registered: true\n", "FAILS: does not answer", "connection refused", "1 problem:\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("check of a killed dtm lacks %q", want)
		}
	}
}

// TestCheckRealDtmConsul: through Consul, dtm registers its gRPC endpoint and,
// beside it, its HTTP one ("<service>-http"); check finds both registered and
// answering (NewGid, GET /api/ping).
func TestCheckRealDtmConsul(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a Consul agent: not with -short")
	}
	dtmBin, cliBin := binary(t, "dtm"), binary(t, "dtmdriver")
	agent := consultest.Start(t)
	dir := t.TempDir()
	const service = "dtmcli"
	p, err := dtmserver.StartProcess(dtmBin, dtmserver.Config{
		Dir:    dir,
		Driver: "dtm-driver-consul",
		Registration: func(grpcAddr string) (string, string) {
			return "consul://" + agent.Addr() + "/" + service, grpcAddr
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	for _, s := range []struct{ name, addr string }{{service, p.GrpcAddr}, {service + "-http", p.HTTPAddr}} {
		dtmdrivertest.WaitFor(t, 15*time.Second, s.name+" passing in Consul", func() bool {
			l, err := agent.List(context.Background(), s.name)
			return err == nil && slices.Contains(l, s.addr)
		})
	}

	out, code := cli(t, cliBin, "check", "-c", filepath.Join(dir, "conf.yml"))
	if code != 0 {
		t.Fatalf("check of a running dtm in Consul: exit %d, want 0", code)
	}
	for _, want := range []string{
		"grpc registration (dtm-driver-consul):\n", "registers: " + p.GrpcAddr + " as " + service + " in consul " + agent.Addr() + "\n",
		"http registration (dtm-driver-consul):\n", "registers: " + p.HTTPAddr + " as " + service + "-http in consul " + agent.Addr() + "\n",
		"dtm at " + p.GrpcAddr, "answers (NewGid ", "dtm at " + p.HTTPAddr, "answers (GET /api/ping",
		"ok: dtm is registered and answers\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check lacks %q", want)
		}
	}
	if strings.Contains(out, "warning:") {
		t.Errorf("check of a healthy dtm warns")
	}
}

// TestCheckRealDtmNoRegistry: with dtm-driver-protocol1 nothing is
// registered; check validates the target and calls dtm at its EndPoint.
func TestCheckRealDtmNoRegistry(t *testing.T) {
	dtmBin, cliBin := binary(t, "dtm"), binary(t, "dtmdriver")
	dir := t.TempDir()
	p, err := dtmserver.StartProcess(dtmBin, dtmserver.Config{
		Dir:    dir,
		Driver: "dtm-driver-protocol1",
		Registration: func(grpcAddr string) (string, string) {
			return "protocol1://" + grpcAddr, grpcAddr
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	out, code := cli(t, cliBin, "check", "-c", filepath.Join(dir, "conf.yml"))
	if code != 0 {
		t.Fatalf("check of a running dtm without a registry: exit %d, want 0", code)
	}
	for _, want := range []string{"registers: nothing (clients write dtm's address)\n", "clients:   protocol1://" + p.GrpcAddr + "/<package.Service>/<Method>\n",
		"dtm at " + p.GrpcAddr, "answers (NewGid ", "ok: dtm answers (no registry: nothing to register)\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("check lacks %q", want)
		}
	}
}
