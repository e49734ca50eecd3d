package polaristest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"text/template"
	"time"
)

// binaryName is the file name of the server built by tools/polaris.
const binaryName = "polaris-server"

// binEnv names the directory that holds the binaries built by `make tools`.
const binEnv = "DTMDRIVERS_BIN"

// configPath is where the configuration goes, relative to the server's
// working directory. The server reads its translations from i18n/ beside it.
const configPath = "conf/polaris-server.yaml"

//go:embed polaris-server.yaml.tmpl
var configTemplate string

var configTmpl = template.Must(template.New("polaris-server.yaml").Parse(configTemplate))

// Option configures [Start].
type Option func(*config)

type config struct {
	startTimeout time.Duration
	auth         bool
}

// AdminToken is the token of the administrator ("polaris") that Polaris
// v1.18.1 creates in a new store (store/boltdb/default.go), valid with the
// default salt. A server started [WithAuth] takes it on every API.
const AdminToken = "nu/0WRA4EqSR1FagrjRj0fZwPXuGlMpX+zCuWu4uMqy8xr1vRjisSbA25aAC3mtU8MeeRsKhQiDAynUR09I="

// WithAuth starts the server with authentication on, as Polaris v1.18.1 turns
// it on (auth.strategy.option): consoleOpen and clientOpen, both strict, so
// that a request without a valid token is refused instead of served as an
// anonymous user. Clients send [Server.Token] (polaris-go:
// global.serverConnector.token; HTTP: the X-Polaris-Token header); the
// helpers of this package send it themselves.
func WithAuth() Option {
	return func(c *config) { c.auth = true }
}

// WithStartTimeout sets how long [Start] and [Server.Restart] wait for the
// server to be ready. The default is 30 seconds.
func WithStartTimeout(d time.Duration) Option {
	return func(c *config) { c.startTimeout = d }
}

// Server is a Polaris server process started by [Start].
type Server struct {
	bin      string
	dir      string
	httpPort int
	grpcPort int
	cfg      config

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// Start runs a Polaris server in standalone mode on free ports of 127.0.0.1,
// with its files in a new temporary directory, and waits until it serves
// both APIs and can take registrations. A cleanup registered on t kills it.
//
// Start skips the test if the binary is missing, or fails it if the
// DTMDRIVERS_BIN environment variable is set.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		bin: binary(t),
		dir: t.TempDir(),
		cfg: config{startTimeout: 30 * time.Second},
	}
	for _, o := range opts {
		o(&s.cfg)
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			s.dumpLogs(t)
		}
	})
	deadline := time.Now().Add(s.cfg.startTimeout)
	// A free port can be taken by someone else before the server binds it:
	// pick new ports when the server exits during start-up (it does so 5s
	// after a failed listen).
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = s.pickPorts(); err != nil {
			break
		}
		if err = s.start(deadline); err == nil {
			return s
		}
		if !errors.Is(err, errExited) {
			break
		}
	}
	t.Fatalf("polaristest: %v", err)
	return nil
}

// HTTPAddr returns the host:port of the HTTP API: the client API under
// /v1/, the console API under /naming/v1/, maintenance under /maintain/v1/.
func (s *Server) HTTPAddr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.httpPort))
}

// GRPCAddr returns the host:port of the gRPC discovery API, the address
// polaris-go connects to (global.serverConnector.addresses).
func (s *Server) GRPCAddr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.grpcPort))
}

// Token returns the token clients send: [AdminToken] for a server started
// [WithAuth], "" otherwise.
func (s *Server) Token() string {
	if s.cfg.auth {
		return AdminToken
	}
	return ""
}

// Dir returns the server's working directory: its configuration, its
// BoltDB file polaris.bolt and its logs.
func (s *Server) Dir() string { return s.dir }

// Stop kills the server (SIGKILL) and waits for it to exit. Its data stays
// in [Server.Dir] and [Server.Restart] starts it again on the same ports.
// Stop is idempotent.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
}

func (s *Server) stopLocked() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Restart kills the server if it runs and starts it again with the same
// ports and the same data directory: what was registered is still there,
// though instances whose heartbeats stopped meanwhile turn unhealthy.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	if err := s.start(time.Now().Add(s.cfg.startTimeout)); err != nil {
		t.Fatalf("polaristest: restart: %v", err)
	}
}

var errExited = errors.New("polaris-server exited during start-up")

// start writes the configuration, runs the binary and waits until ready.
func (s *Server) start(deadline time.Time) error {
	if err := s.writeConfig(); err != nil {
		return err
	}
	out, err := os.OpenFile(filepath.Join(s.dir, "polaris-server.out"),
		os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer out.Close() // the child has its own copy
	cmd := exec.Command(s.bin, "start", "-c", configPath)
	cmd.Dir = s.dir
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()

	if err := s.waitReady(deadline, done); err != nil {
		s.Stop()
		return err
	}
	return nil
}

func (s *Server) writeConfig() error {
	var buf bytes.Buffer
	if err := configTmpl.Execute(&buf, struct {
		HTTPPort, GRPCPort int
		Auth               bool
	}{s.httpPort, s.grpcPort, s.cfg.auth}); err != nil {
		return err
	}
	p := filepath.Join(s.dir, filepath.FromSlash(configPath))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, buf.Bytes(), 0o644)
}

// waitReady polls until the gRPC listener speaks HTTP/2 and the HTTP client
// API lists the server's own polaris.checker instance: then the naming
// cache is loaded and the heartbeat checker knows this server.
func (s *Server) waitReady(deadline time.Time, exited <-chan struct{}) error {
	var err error
	for {
		if err = s.ready(); err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("%w (see %s): %v", errExited,
				filepath.Join(s.dir, "polaris-server.out"), err)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("polaris-server not ready after %v: %v", s.cfg.startTimeout, err)
		}
		select {
		case <-exited:
		case <-time.After(25 * time.Millisecond):
		}
	}
}

func (s *Server) ready() error {
	if err := checkHTTP2(s.GRPCAddr()); err != nil {
		return fmt.Errorf("gRPC %s: %v", s.GRPCAddr(), err)
	}
	insts, err := s.discover("Polaris", "polaris.checker")
	if err != nil {
		return fmt.Errorf("HTTP %s: %v", s.HTTPAddr(), err)
	}
	for _, in := range insts {
		if in.Host == "127.0.0.1" && in.Port == s.grpcPort {
			return nil
		}
	}
	return errors.New("polaris.checker is not registered yet")
}

// http2Preface is what an HTTP/2 client sends first: the connection preface
// and an empty SETTINGS frame.
const http2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + "\x00\x00\x00\x04\x00\x00\x00\x00\x00"

// checkHTTP2 sends an HTTP/2 preface to addr and expects a SETTINGS frame,
// as a gRPC server sends first.
func checkHTTP2(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := io.WriteString(c, http2Preface); err != nil {
		return err
	}
	var hdr [9]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return err
	}
	if hdr[3] != 0x4 {
		return fmt.Errorf("first frame has type %d, want SETTINGS", hdr[3])
	}
	return nil
}

// Instance is an instance as the HTTP console API lists it.
type Instance struct {
	ID        string            `json:"id"`
	Namespace string            `json:"namespace"`
	Service   string            `json:"service"`
	Host      string            `json:"host"`
	Port      int               `json:"port"`
	Weight    int               `json:"weight"`
	Healthy   bool              `json:"healthy"`
	Isolate   bool              `json:"isolate"`
	Metadata  map[string]string `json:"metadata"`
	Protocol  string            `json:"protocol"`
}

// polarisResponse holds the fields this package reads from the answers of
// the HTTP API.
type polarisResponse struct {
	Code      int        `json:"code"`
	Info      string     `json:"info"`
	Instances []Instance `json:"instances"`
	Responses []struct {
		Code int    `json:"code"`
		Info string `json:"info"`
	} `json:"responses"`
}

// Codes in the answers of the Polaris API.
const (
	codeOK       = 200000 // executed
	codeNoChange = 200001 // discovery: data unchanged
	codeNoUpdate = 200002 // an update that changes nothing
	codeNotFound = 400202 // discovery: no such service (yet)
)

// instanceLimit is the page size asked of the console API.
const instanceLimit = 1000

var httpClient = &http.Client{Timeout: 5 * time.Second}

// Instances returns all instances of a service, healthy or not, isolated or
// not, through the console API (GET /naming/v1/instances), which brings the
// server's naming cache up to date with its store first. An unknown service
// has none.
func (s *Server) Instances(t testing.TB, namespace, service string) []Instance {
	t.Helper()
	q := url.Values{
		"namespace": {namespace},
		"service":   {service},
		"offset":    {"0"},
		"limit":     {strconv.Itoa(instanceLimit)},
	}
	var r polarisResponse
	if err := s.do(http.MethodGet, "/naming/v1/instances?"+q.Encode(), nil, &r); err != nil {
		t.Fatalf("polaristest: instances of %s/%s: %v", namespace, service, err)
	}
	if r.Code != codeOK {
		t.Fatalf("polaristest: instances of %s/%s: code %d: %s", namespace, service, r.Code, r.Info)
	}
	return r.Instances
}

// SetIsolated isolates the instance host:port of a service, or ends its
// isolation, through the console API (PUT /naming/v1/instances). Clients
// stop (or start again) getting an isolated instance once their next
// discovery refresh sees the change.
func (s *Server) SetIsolated(t testing.TB, namespace, service, host string, port int, isolated bool) {
	t.Helper()
	s.updateInstance(t, "isolate", namespace, service, host, port, map[string]any{"isolate": isolated})
}

// SetWeight sets the weight of the instance host:port of a service (0 to
// 10000; Polaris registers 100 when none is given) through the console API
// (PUT /naming/v1/instances), as an operator does for a machine of another
// size. Clients see it once their next discovery refresh does.
func (s *Server) SetWeight(t testing.TB, namespace, service, host string, port int, weight int) {
	t.Helper()
	s.updateInstance(t, "set the weight of", namespace, service, host, port, map[string]any{"weight": weight})
}

// updateInstance changes the fields of the instance host:port of a service
// through the console API; what says what, for the failure.
func (s *Server) updateInstance(t testing.TB, what, namespace, service, host string, port int, fields map[string]any) {
	t.Helper()
	instance := map[string]any{"namespace": namespace, "service": service, "host": host, "port": port}
	for k, v := range fields {
		instance[k] = v
	}
	var r polarisResponse
	if err := s.do(http.MethodPut, "/naming/v1/instances", []map[string]any{instance}, &r); err != nil {
		t.Fatalf("polaristest: %s %s:%d of %s/%s: %v", what, host, port, namespace, service, err)
	}
	if r.Code != codeOK && r.Code != codeNoUpdate {
		detail := ""
		if len(r.Responses) > 0 {
			detail = fmt.Sprintf(" (%d: %s)", r.Responses[0].Code, r.Responses[0].Info)
		}
		t.Fatalf("polaristest: %s %s:%d of %s/%s: code %d: %s%s",
			what, host, port, namespace, service, r.Code, r.Info, detail)
	}
}

// discover asks the HTTP client API for the instances a client would get.
func (s *Server) discover(namespace, service string) ([]Instance, error) {
	return s.discoverToken(s.Token(), namespace, service)
}

// discoverToken is discover with token sent, or none if empty.
func (s *Server) discoverToken(token, namespace, service string) ([]Instance, error) {
	req := map[string]any{
		"type":    1, // INSTANCE
		"service": map[string]string{"namespace": namespace, "name": service},
	}
	var r polarisResponse
	if err := s.doToken(token, http.MethodPost, "/v1/Discover", req, &r); err != nil {
		return nil, err
	}
	switch r.Code {
	case codeOK, codeNoChange:
		return r.Instances, nil
	case codeNotFound:
		return nil, nil
	}
	return nil, fmt.Errorf("discover %s/%s: code %d: %s", namespace, service, r.Code, r.Info)
}

// do sends a JSON request to the HTTP API and decodes the JSON answer. The
// API answers errors with a JSON body and a 4xx or 5xx status: the body's
// code is what counts.
func (s *Server) do(method, path string, body, v any) error {
	return s.doToken(s.Token(), method, path, body, v)
}

// doToken is do with token sent as X-Polaris-Token, or none if empty.
func (s *Server) doToken(token, method, path string, body, v any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, "http://"+s.HTTPAddr()+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Polaris-Token", token)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s %s: %s: %.200q", method, path, resp.Status, b)
	}
	return nil
}

// pickPorts takes two free ports of 127.0.0.1, releasing them for the
// server to bind.
func (s *Server) pickPorts() error {
	var ports [2]int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		ls = append(ls, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	s.httpPort, s.grpcPort = ports[0], ports[1]
	return nil
}

// logTailLines is how much of each log file a failed test shows.
const logTailLines = 40

// dumpLogs writes the end of the server's output and of its non-empty log
// files to the test log.
func (s *Server) dumpLogs(t testing.TB) {
	files := []string{filepath.Join(s.dir, "polaris-server.out")}
	_ = filepath.WalkDir(filepath.Join(s.dir, "log"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || len(b) == 0 {
			continue
		}
		rel, _ := filepath.Rel(s.dir, f)
		t.Logf("polaris-server %s (last %d lines):\n%s", rel, logTailLines, tail(b, logTailLines))
	}
}

// tail returns the last n lines of b.
func tail(b []byte, n int) []byte {
	b = bytes.TrimRight(b, "\n")
	start := len(b)
	for ; n > 0; n-- {
		i := bytes.LastIndexByte(b[:start], '\n')
		if i < 0 {
			return b
		}
		start = i
	}
	return b[start+1:]
}

// binary returns the server binary's path, or ends the test if it is
// missing: a failure when DTMDRIVERS_BIN is set, a skip otherwise.
func binary(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("polaristest: %v", err)
	}
	dir, set := os.LookupEnv(binEnv)
	p, err := findBinary(dir, set, wd)
	if err == nil {
		return p
	}
	if set {
		t.Fatalf("polaristest: %v: run `make tools`", err)
	}
	t.Skipf("polaristest: %v: run `make tools` to build it", err)
	return ""
}

// findBinary looks for the server in binDir if useDir, else in .bin of wd
// or of one of its parents.
func findBinary(binDir string, useDir bool, wd string) (string, error) {
	if useDir {
		p := filepath.Join(binDir, binaryName)
		if err := isExecutable(p); err != nil {
			return "", fmt.Errorf("%s=%q: %w", binEnv, binDir, err)
		}
		return p, nil
	}
	for d := wd; ; {
		p := filepath.Join(d, ".bin", binaryName)
		if isExecutable(p) == nil {
			return p, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no .bin/%s in %s or its parents", binaryName, wd)
		}
		d = parent
	}
}

func isExecutable(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	if st.IsDir() || st.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", p)
	}
	return nil
}
