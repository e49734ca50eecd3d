package consultest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BinEnv names the environment variable holding the directory with the
// consul binary. When it is set, a missing binary fails the test.
const BinEnv = "DTMDRIVERS_BIN"

// NodeName is the name of the agent's node in the catalog.
const NodeName = "consultest"

const (
	defaultStartTimeout = 30 * time.Second
	stopGrace           = 3 * time.Second
	pollInterval        = 25 * time.Millisecond
	// startAttempts bounds how often Start picks new ports when another
	// process took one of them between the pick and the agent's bind.
	startAttempts = 3
	// maxLogDump bounds how much of the agent's log a failed test prints.
	maxLogDump = 256 << 10
)

// Option configures [Start].
type Option func(*config)

type config struct {
	acl          bool
	token        string
	startTimeout time.Duration
}

// WithACL turns ACLs on with the default policy "deny" and managementToken
// as the initial management token and the agent's own token. The token must
// not be empty.
func WithACL(managementToken string) Option {
	return func(c *config) { c.acl, c.token = true, managementToken }
}

// WithStartTimeout sets how long [Start] and [Agent.Restart] wait for the
// agent to be ready. The default is 30 seconds.
func WithStartTimeout(d time.Duration) Option {
	return func(c *config) { c.startTimeout = d }
}

// ports are the agent's listening ports, all on 127.0.0.1. The HTTP API,
// serf LAN and server RPC cannot be turned off; DNS, gRPC, HTTPS and serf
// WAN are.
type ports struct {
	http, serfLAN, server int
}

// Agent is a Consul agent process started by [Start] (a -dev agent on
// 127.0.0.1) or by [StartCluster] (a server or client agent on a loopback
// address of its own).
type Agent struct {
	bin     string
	dir     string
	logPath string
	cfg     config
	ports   ports
	client  *http.Client
	role    role // the zero value is -dev on 127.0.0.1 as NodeName

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been waited for
}

// Start starts a Consul agent in development mode on free loopback ports,
// waits until it has a leader and its node is in the catalog, and registers
// a cleanup with t that stops it. Start fails or skips t when the agent
// binary is missing (see the package documentation) and fails t when the
// agent does not become ready in time.
func Start(t testing.TB, opts ...Option) *Agent {
	t.Helper()
	cfg := config{startTimeout: defaultStartTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.acl && cfg.token == "" {
		t.Fatal("consultest: WithACL needs a management token")
	}
	bin := binary(t)
	dir := t.TempDir()
	a := &Agent{
		bin:     bin,
		dir:     dir,
		logPath: filepath.Join(dir, "consul.log"),
		cfg:     cfg,
		client:  &http.Client{Timeout: 2 * time.Second},
	}
	if err := a.writeConfig(); err != nil {
		t.Fatalf("consultest: %v", err)
	}
	t.Cleanup(func() {
		a.Stop()
		a.client.CloseIdleConnections()
		if t.Failed() {
			a.dumpLog(t)
		}
	})

	var err error
	for attempt := 1; attempt <= startAttempts; attempt++ {
		if a.ports, err = freePorts(); err != nil {
			t.Fatalf("consultest: %v", err)
		}
		err = a.start(time.Now().Add(cfg.startTimeout))
		if err == nil {
			return a
		}
		if !errors.Is(err, errAddrInUse) {
			break
		}
	}
	t.Fatalf("consultest: starting consul agent: %v", err)
	return nil
}

// Addr returns the host:port of the agent's HTTP API.
func (a *Agent) Addr() string {
	return net.JoinHostPort(a.ip(), strconv.Itoa(a.ports.http))
}

// URL returns the base URL of the agent's HTTP API, like
// "http://127.0.0.1:8500".
func (a *Agent) URL() string {
	return "http://" + a.Addr()
}

// Token returns the management token given to [WithACL], or "".
func (a *Agent) Token() string {
	return a.cfg.token
}

// Dir returns the agent's directory: its configuration, data directory and
// log file. It is removed at the end of the test.
func (a *Agent) Dir() string {
	return a.dir
}

// Stop ends the agent process: SIGTERM, then SIGKILL if it has not exited
// after a short grace. The directory and the ports are kept for
// [Agent.Restart]. Stop on a stopped agent does nothing.
func (a *Agent) Stop() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stopLocked()
}

// Restart stops the agent if it is running and starts it again on the same
// ports and data directory, waiting until it is ready as [Start] does. Services
// registered through the agent API come back with it; see the package docs.
func (a *Agent) Restart(t testing.TB) {
	t.Helper()
	a.Stop()
	deadline := time.Now().Add(a.cfg.startTimeout)
	for {
		err := a.start(deadline)
		if err == nil {
			return
		}
		// The old process has exited, so a port still in use is held by
		// someone else for a moment (or for good, and the deadline ends it).
		if !errors.Is(err, errAddrInUse) || time.Now().After(deadline) {
			t.Fatalf("consultest: restarting consul agent: %v", err)
		}
		if !waitUntil(deadline, 200*time.Millisecond) {
			t.Fatalf("consultest: restarting consul agent: %v", err)
		}
	}
}

func (a *Agent) stopLocked() {
	if a.cmd == nil {
		return
	}
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.exited:
	case <-time.After(stopGrace):
		_ = a.cmd.Process.Kill()
		<-a.exited
	}
	a.cmd = nil
	a.exited = nil
}

var errAddrInUse = errors.New("address already in use")

// start runs the agent process and waits until it is ready or deadline
// passes. On failure the process is ended.
func (a *Agent) start(deadline time.Time) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	logStart, exited, err := a.launchLocked()
	if err != nil {
		return err
	}
	if err := a.waitReady(deadline, exited); err != nil {
		a.stopLocked()
		if logTail(a.logPath, logStart, "address already in use") {
			return fmt.Errorf("%w: %v", errAddrInUse, err)
		}
		return err
	}
	return nil
}

// launchLocked runs the agent process and returns where its log began and a
// channel closed when it exits.
func (a *Agent) launchLocked() (logStart int64, exited chan struct{}, err error) {
	if a.cmd != nil {
		return 0, nil, errors.New("agent already running")
	}
	logFile, err := os.OpenFile(a.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, nil, err
	}
	logStart, _ = logFile.Seek(0, io.SeekEnd)
	fmt.Fprintf(logFile, "==> consultest: %s %s\n", a.bin, strings.Join(a.args(), " "))

	cmd := exec.Command(a.bin, a.args()...)
	cmd.Dir = a.dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return 0, nil, err
	}
	// The child has its own copy of the file; ours only writes the
	// header above.
	logFile.Close()
	exited = make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	a.cmd, a.exited = cmd, exited
	return logStart, exited, nil
}

func (a *Agent) args() []string {
	p, ip := a.ports, a.ip()
	args := []string{"agent"}
	switch a.role.kind {
	case dev:
		args = append(args, "-dev")
	case server:
		args = append(args, "-server", "-bootstrap-expect", strconv.Itoa(a.role.expect))
	}
	for _, j := range a.role.join {
		args = append(args, "-retry-join", j)
	}
	if len(a.role.join) > 0 {
		args = append(args, "-retry-interval", "200ms") // 30 s by default
	}
	return append(args,
		"-node", a.node(),
		"-bind", ip,
		"-advertise", ip,
		"-client", ip,
		"-data-dir", filepath.Join(a.dir, "data"),
		"-config-file", filepath.Join(a.dir, "consultest.hcl"),
		"-http-port", strconv.Itoa(p.http),
		"-serf-lan-port", strconv.Itoa(p.serfLAN),
		"-serf-wan-port", "-1",
		"-server-port", strconv.Itoa(p.server),
		"-dns-port", "-1",
		"-grpc-port", "-1",
		"-grpc-tls-port", "-1",
		"-https-port", "-1",
		"-log-level", "info",
	)
}

// writeConfig writes the part of the configuration that has no command-line
// flag.
func (a *Agent) writeConfig() error {
	var b strings.Builder
	b.WriteString("disable_update_check = true\n")
	b.WriteString("ui_config { enabled = false }\n")
	b.WriteString("connect { enabled = false }\n")
	if a.role.kind != dev {
		// Raft timing of -dev: elections in about a second, not five.
		b.WriteString("performance { raft_multiplier = 1 }\n")
	}
	if a.cfg.token != "" {
		tok := strconv.Quote(a.cfg.token)
		fmt.Fprintf(&b, "acl {\n  enabled = true\n  default_policy = \"deny\"\n  down_policy = \"extend-cache\"\n"+
			"  tokens {\n    initial_management = %s\n    agent = %s\n  }\n}\n", tok, tok)
	}
	return os.WriteFile(filepath.Join(a.dir, "consultest.hcl"), []byte(b.String()), 0o600)
}

// waitReady polls the agent until it has a leader and its node is in the
// catalog.
func (a *Agent) waitReady(deadline time.Time, exited <-chan struct{}) error {
	var last error
	for {
		select {
		case <-exited:
			return fmt.Errorf("agent exited during start-up (log: %s)", a.logPath)
		default:
		}
		if last = a.ready(); last == nil {
			return nil
		}
		if !waitUntil(deadline, pollInterval) {
			return fmt.Errorf("agent not ready after %v: %v (log: %s)", a.cfg.startTimeout, last, a.logPath)
		}
	}
}

// waitUntil waits for d, or less if deadline comes first, and reports
// whether deadline is still ahead.
func waitUntil(deadline time.Time, d time.Duration) bool {
	left := time.Until(deadline)
	if left <= 0 {
		return false
	}
	timer := time.NewTimer(min(d, left))
	defer timer.Stop()
	<-timer.C
	return time.Now().Before(deadline)
}

func (a *Agent) ready() error {
	var leader string
	if err := a.getJSON("/v1/status/leader", &leader); err != nil {
		return err
	}
	if leader == "" {
		return errors.New("no leader yet")
	}
	var node struct {
		Node *struct{ Node string }
	}
	if err := a.getJSON("/v1/catalog/node/"+a.node(), &node); err != nil {
		return err
	}
	if node.Node == nil || node.Node.Node != a.node() {
		return fmt.Errorf("node %s not in the catalog yet", a.node())
	}
	return nil
}

func (a *Agent) getJSON(path string, v any) error {
	return a.do(context.Background(), http.MethodGet, path, nil, v)
}

// do sends an HTTP API request with the agent's token, a JSON body if body is
// not nil, and decodes a JSON answer into v if v is not nil.
func (a *Agent) do(ctx context.Context, method, path string, body, v any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.URL()+path, rd)
	if err != nil {
		return err
	}
	if a.cfg.token != "" {
		req.Header.Set("X-Consul-Token", a.cfg.token)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(data))
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(data, v)
}

func (a *Agent) dumpLog(t testing.TB) {
	data, err := os.ReadFile(a.logPath)
	if err != nil {
		t.Logf("consultest: reading agent log: %v", err)
		return
	}
	if len(data) > maxLogDump {
		data = data[len(data)-maxLogDump:]
		t.Logf("consultest: agent log %s (last %d bytes):\n%s", a.logPath, maxLogDump, data)
		return
	}
	t.Logf("consultest: agent log %s:\n%s", a.logPath, data)
}

// logTail reports whether the log written since offset contains s.
func logTail(path string, offset int64, s string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return false
	}
	data, err := io.ReadAll(io.LimitReader(f, 4<<20))
	return err == nil && bytes.Contains(data, []byte(s))
}

// freePorts picks distinct free ports on 127.0.0.1. The serf LAN port must
// be free for both TCP and UDP.
func freePorts() (ports, error) { return freePortsOn("127.0.0.1") }

// freePortsOn picks the agent's ports, free on the loopback address ip.
func freePortsOn(ip string) (ports, error) {
	var (
		p       ports
		closers []io.Closer
	)
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	pick := func(udp bool) (int, error) {
		for range 20 {
			l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
			if err != nil {
				return 0, err
			}
			closers = append(closers, l)
			port := l.Addr().(*net.TCPAddr).Port
			if !udp {
				return port, nil
			}
			u, err := net.ListenPacket("udp", net.JoinHostPort(ip, strconv.Itoa(port)))
			if err != nil {
				continue
			}
			closers = append(closers, u)
			return port, nil
		}
		return 0, fmt.Errorf("no free TCP+UDP port on %s", ip)
	}
	var err error
	if p.http, err = pick(false); err != nil {
		return p, err
	}
	if p.serfLAN, err = pick(true); err != nil {
		return p, err
	}
	if p.server, err = pick(false); err != nil {
		return p, err
	}
	return p, nil
}

// binary finds the consul binary or ends t.
func binary(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("consultest: %v", err)
	}
	binDir, fromEnv := os.LookupEnv(BinEnv)
	path, err := findBinary(binDir, fromEnv && binDir != "", wd)
	if err == nil {
		return path
	}
	if fromEnv && binDir != "" {
		t.Fatalf("consultest: %v; run `make tools`", err)
	}
	t.Skipf("consultest: %v; run `make tools` (or set %s)", err, BinEnv)
	return ""
}

// findBinary returns the consul binary in binDir when useDir is set, else
// .bin/consul in wd or its nearest parent that has one.
func findBinary(binDir string, useDir bool, wd string) (string, error) {
	if useDir {
		dir, err := filepath.Abs(binDir)
		if err != nil {
			return "", err
		}
		p := filepath.Join(dir, "consul")
		if err := isExecutable(p); err != nil {
			return "", fmt.Errorf("no consul binary in %s=%s: %w", BinEnv, binDir, err)
		}
		return p, nil
	}
	for dir := wd; ; {
		p := filepath.Join(dir, ".bin", "consul")
		if isExecutable(p) == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no .bin/consul in %s or its parents", wd)
		}
		dir = parent
	}
}

func isExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", p)
	}
	return nil
}
