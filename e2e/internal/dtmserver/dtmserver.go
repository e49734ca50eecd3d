// Package dtmserver runs a real dtm server (v1.19.0) in this process, for the
// end-to-end tests and the demo: BoltDB in a directory of the caller's, short
// retry intervals, and the driver and registration the caller names. dtm has no
// stop: one server per process, which ends with it.
//
// dtm listens on every interface (":port"); run the process in a network
// namespace with loopback only (scripts/loopback-only.sh).
package dtmserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dtm-labs/dtm/dtmsvr"
	"github.com/dtm-labs/dtm/dtmsvr/config"
	"github.com/dtm-labs/dtm/dtmsvr/storage/registry"
	"github.com/dtm-labs/logger"
)

// Config says how to start dtm.
type Config struct {
	// Dir is where BoltDB keeps dtm.bolt.
	Dir string
	// Driver is MicroService.Driver, a driver linked into the binary.
	Driver string
	// Registration returns MicroService.Target and EndPoint for a dtm listening
	// for gRPC on grpcAddr (127.0.0.1:port).
	Registration func(grpcAddr string) (target, endpoint string)
	// LogLevel is dtm's log level (debug, info, warn, error); "" means error.
	LogLevel string
	// LogOutput is where dtm logs: "stderr" (the default when ""), "stdout", or
	// a file path ("/dev/null" to silence it).
	LogOutput string
	// Redis is the host:port of a Redis server to keep dtm's data in, shared
	// by every dtm configured with it; "" means BoltDB in Dir. StartProcess
	// only.
	Redis string
	// Env is added to the environment of a dtm binary (StartProcess), e.g.
	// DTM_POLARIS_DIR; the in-process server ignores it.
	Env []string
}

// Server is the dtm server running in this process.
type Server struct {
	GrpcAddr string // 127.0.0.1:port, dtm's gRPC endpoint
	HTTPAddr string // 127.0.0.1:port, dtm's HTTP API
	Target   string // MicroService.Target dtm registered itself under
	EndPoint string // MicroService.EndPoint
}

var (
	startMu sync.Mutex
	started bool
)

// Start starts dtm and waits until its HTTP API answers. It fails if a dtm
// server was started in this process before. dtm exits the process if the
// driver is unknown or refuses the registration.
func Start(c Config) (*Server, error) {
	startMu.Lock()
	defer startMu.Unlock()
	if started {
		return nil, errors.New("dtmserver: dtm already runs in this process (it has no stop)")
	}
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	grpcPort, err := freePort()
	if err != nil {
		return nil, err
	}
	level, output := c.LogLevel, c.LogOutput
	if level == "" {
		level = "error"
	}
	if output == "" {
		output = "stderr"
	}
	logger.InitLog2(level, output, 0, "")

	config.MustLoadConfig("")
	conf := &config.Config
	conf.Store.Driver = config.BoltDb
	conf.HTTPPort = int64(httpPort)
	conf.GrpcPort = int64(grpcPort)
	conf.LogLevel = level
	// Short intervals so that retries happen within seconds: a failed branch is
	// retried after 2*RetryInterval, and the cron looks for due transactions
	// every TransCronInterval. MustLoadConfig's check (RetryInterval >= 10) has
	// already run; dtm reads the fields as they are now.
	conf.RetryInterval = 1
	conf.TransCronInterval = 1
	conf.TimeoutToFail = 10
	s := &Server{
		GrpcAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(grpcPort)),
		HTTPAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(httpPort)),
	}
	s.Target, s.EndPoint = c.Registration(s.GrpcAddr)
	conf.MicroService.Driver = c.Driver
	conf.MicroService.Target = s.Target
	conf.MicroService.EndPoint = s.EndPoint

	// BoltDB opens ./dtm.bolt when the store is first used, in WaitStoreUp.
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	if err := os.Chdir(c.Dir); err != nil {
		return nil, err
	}
	registry.WaitStoreUp()
	if err := os.Chdir(wd); err != nil {
		return nil, err
	}
	// StartSvr calls dtmdriver.Use(driver) and RegisterService(Target, EndPoint) on
	// github.com/dtm-labs/dtmdriver, and exits the process if either fails.
	dtmsvr.StartSvr()
	go dtmsvr.CronExpiredTrans(-1)
	started = true

	if err := s.waitAnswers(nil, nil); err != nil {
		return nil, err
	}
	return s, nil
}

// waitAnswers polls dtm's HTTP API until it answers, 30 s at most, or until
// exited (a process's exit; nil in process) is closed, or until portTaken
// (nil in process) says dtm could not bind a port: errPortTaken.
func (s *Server) waitAnswers(exited <-chan struct{}, portTaken func() bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		_, err := s.get(ctx, "/api/dtmsvr/newGid", nil)
		if err == nil {
			return nil
		}
		if portTaken != nil && portTaken() {
			return errPortTaken
		}
		select {
		case <-exited:
			return errExited
		case <-ctx.Done():
			return fmt.Errorf("dtm's HTTP API at %s did not answer: %w", s.HTTPAddr, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

var errExited = errors.New("dtm exited")

// freePort returns a port that nothing listens on now, on any interface (dtm
// listens on all of them). It picks at random below the kernel's ephemeral
// range, so that no outgoing connection of another test process running at
// the same time can take it before dtm binds it, as one taken from port 0
// could; StartProcess still retries when dtm finds it taken.
func freePort() (int, error) {
	low := ephemeralLow()
	const floor = 10000
	for range 50 {
		if low-floor < 1000 {
			break
		}
		port := floor + rand.IntN(low-floor)
		lis, err := net.Listen("tcp", ":"+strconv.Itoa(port))
		if err != nil {
			continue
		}
		_ = lis.Close()
		return port, nil
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer lis.Close()
	return lis.Addr().(*net.TCPAddr).Port, nil
}

// ephemeralLow is the first port of the kernel's ephemeral range (Linux's
// default, 32768, when it cannot be read).
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 {
		return 32768
	}
	low, err := strconv.Atoi(fields[0])
	if err != nil {
		return 32768
	}
	return low
}

// get calls dtm's HTTP API.
func (s *Server) get(ctx context.Context, path string, query url.Values) ([]byte, error) {
	u := "http://" + s.HTTPAddr + path
	if query != nil {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", u, resp.Status, body)
	}
	return body, nil
}

// Trans is what dtm's query API says about a global transaction.
type Trans struct {
	Status         string `json:"status"`
	TransType      string `json:"trans_type"`
	RollbackReason string `json:"rollback_reason"`
	Branches       []Branch
}

// Branch is one branch operation of a global transaction.
type Branch struct {
	BranchID string `json:"branch_id"`
	Op       string `json:"op"`
	URL      string `json:"url"`
	Status   string `json:"status"`
}

// ErrNoTrans is returned by Query for a gid dtm does not know.
var ErrNoTrans = errors.New("no such transaction")

// Query asks dtm's HTTP API (/api/dtmsvr/query) about the transaction gid.
func (s *Server) Query(ctx context.Context, gid string) (*Trans, error) {
	body, err := s.get(ctx, "/api/dtmsvr/query", url.Values{"gid": {gid}})
	if err != nil {
		return nil, err
	}
	var r struct {
		Transaction *Trans   `json:"transaction"`
		Branches    []Branch `json:"branches"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("query %s: %w: %s", gid, err, body)
	}
	if r.Transaction == nil {
		return nil, fmt.Errorf("query %s: %w", gid, ErrNoTrans)
	}
	r.Transaction.Branches = r.Branches
	return r.Transaction, nil
}

// WaitFinal polls dtm every so often until the transaction gid reaches status
// want. It returns an error when the transaction ends in another final status
// (succeed or failed) or timeout passes.
func (s *Server) WaitFinal(gid, want string, timeout, every time.Duration) (*Trans, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last *Trans
	var lastErr error
	for {
		tr, err := s.Query(ctx, gid)
		switch {
		case err == nil && tr.Status == want:
			return tr, nil
		case err == nil && (tr.Status == "succeed" || tr.Status == "failed"):
			return tr, fmt.Errorf("transaction %s ended %s, want %s (rollback reason %q); branches %+v",
				gid, tr.Status, want, tr.RollbackReason, tr.Branches)
		case err == nil:
			last = tr
		default:
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if last != nil {
				return last, fmt.Errorf("transaction %s is still %s after %v, want %s; branches %+v",
					gid, last.Status, timeout, want, last.Branches)
			}
			return nil, fmt.Errorf("transaction %s: no answer from dtm within %v: %v", gid, timeout, lastErr)
		case <-time.After(every):
		}
	}
}
