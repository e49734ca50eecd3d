package dtmserver

import (
	"errors"
	"fmt"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Process is a dtm binary (cmd/dtm) running as a process of its own, as
// operators run it, with a configuration file written from a Config. Its
// Server fields say where it listens and what it registered.
type Process struct {
	*Server
	cmd    *exec.Cmd
	stderr *dtmdrivertest.SyncBuffer
	exited chan struct{}
	err    error // the process's exit, once exited is closed
}

// StartProcess writes c as dtm's configuration file in c.Dir, starts bin -c
// with it (BoltDB in c.Dir), and waits until dtm's HTTP API answers. The
// process is killed at the end of the test run if still running; Signal and
// Wait stop it before that.
func StartProcess(bin string, c Config) (*Process, error) {
	// A port found free may be taken by another process before dtm binds it;
	// dtm then logs the bind error and keeps running without that listener.
	const attempts = 3
	for i := 1; ; i++ {
		p, err := startProcess(bin, c)
		if !errors.Is(err, errPortTaken) || i == attempts {
			return p, err
		}
	}
}

// errPortTaken marks a start where dtm found one of its ports taken.
var errPortTaken = errors.New("a port was taken before dtm bound it")

func startProcess(bin string, c Config) (*Process, error) {
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	grpcPort, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		GrpcAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(grpcPort)),
		HTTPAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(httpPort)),
	}
	s.Target, s.EndPoint = c.Registration(s.GrpcAddr)
	level := c.LogLevel
	if level == "" {
		level = "error"
	}
	store := `{"Driver": "boltdb"}`
	if c.Redis != "" {
		host, port, err := net.SplitHostPort(c.Redis)
		if err != nil {
			return nil, fmt.Errorf("dtmserver: Redis %q: %w", c.Redis, err)
		}
		store = fmt.Sprintf(`{"Driver": "redis", "Host": %q, "Port": %s}`, host, port)
	}
	// JSON is YAML: every value quoted, so that no target or path is misread.
	conf := fmt.Sprintf(`{"HttpPort": %d, "GrpcPort": %d, "LogLevel": %q,
"Store": %s,
"MicroService": {"Driver": %q, "Target": %q, "EndPoint": %q}}
`, httpPort, grpcPort, level, store, c.Driver, s.Target, s.EndPoint)
	confPath := filepath.Join(c.Dir, "conf.yml")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		return nil, err
	}
	p := &Process{Server: s, stderr: &dtmdrivertest.SyncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, "-c", confPath)
	p.cmd.Dir = c.Dir // BoltDB opens ./dtm.bolt
	if len(c.Env) > 0 {
		p.cmd.Env = append(os.Environ(), c.Env...)
	}
	p.cmd.Stdout = p.stderr
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()

	taken := func() bool { return strings.Contains(p.Output(), "address already in use") }
	switch err := s.waitAnswers(p.exited, taken); {
	case errors.Is(err, errPortTaken):
		p.Kill()
		return nil, fmt.Errorf("%w; its output:\n%s", err, p.Output())
	case errors.Is(err, errExited):
		return nil, fmt.Errorf("%s exited at start (%v); its output:\n%s", bin, p.err, p.Output())
	case err != nil:
		p.Kill()
		return nil, fmt.Errorf("%w; its output:\n%s", err, p.Output())
	}
	return p, nil
}

// Signal sends sig (syscall.SIGTERM, SIGINT, SIGKILL) to the process.
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Kill kills the process and waits for it.
func (p *Process) Kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// Wait waits at most timeout for the process to exit and returns how it exited.
func (p *Process) Wait(timeout time.Duration) error {
	select {
	case <-p.exited:
		return p.err
	case <-time.After(timeout):
		return fmt.Errorf("dtm (pid %d) still runs %v later", p.cmd.Process.Pid, timeout)
	}
}

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// Output returns what the process wrote to stdout and stderr so far.
func (p *Process) Output() string { return p.stderr.String() }

// ErrNoBinary is returned by FindBinary when the dtm binary is not built.
var ErrNoBinary = errors.New("the dtm binary (cmd/dtm) is not built: run make check-publish, which installs it into .bin")
