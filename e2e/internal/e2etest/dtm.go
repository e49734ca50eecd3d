package e2etest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/dtm-labs/dtm/dtmsvr"
	"github.com/dtm-labs/dtm/dtmsvr/config"
	"github.com/dtm-labs/dtm/dtmsvr/storage/registry"
	"github.com/dtm-labs/logger"
)

// LogEnv names the environment variable that sets dtm's log level in tests
// (debug, info, warn, error); dtm logs errors only by default, because every
// retried branch is an error to it.
const LogEnv = "E2E_DTM_LOG"

// DTM is the dtm server running in this process.
type DTM struct {
	GrpcAddr string // 127.0.0.1:port, dtm's gRPC endpoint
	HTTPAddr string // 127.0.0.1:port, dtm's HTTP API
	Target   string // MicroService.Target dtm registered itself under
	EndPoint string // MicroService.EndPoint
}

// startDTM starts a real dtm server (v1.19.0) in this process, with its BoltDB
// store in dir, configured to use driver and to register itself through
// registration. dtm has no stop: one server per process.
func startDTM(dir, driver string, registration func(grpcAddr string) (target, endpoint string)) (*DTM, error) {
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	grpcPort, err := freePort()
	if err != nil {
		return nil, err
	}
	level := os.Getenv(LogEnv)
	if level == "" {
		level = "error"
	}
	logger.InitLog2(level, "stderr", 0, "")

	config.MustLoadConfig("")
	c := &config.Config
	c.Store.Driver = config.BoltDb
	c.HTTPPort = int64(httpPort)
	c.GrpcPort = int64(grpcPort)
	c.LogLevel = level
	// Short intervals so that retries happen within seconds: a failed branch is
	// retried after 2*RetryInterval, and the cron looks for due transactions
	// every TransCronInterval. MustLoadConfig's check (RetryInterval >= 10) has
	// already run; dtm reads the fields as they are now.
	c.RetryInterval = 1
	c.TransCronInterval = 1
	c.TimeoutToFail = 10
	d := &DTM{
		GrpcAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(grpcPort)),
		HTTPAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(httpPort)),
	}
	d.Target, d.EndPoint = registration(d.GrpcAddr)
	c.MicroService.Driver = driver
	c.MicroService.Target = d.Target
	c.MicroService.EndPoint = d.EndPoint

	// BoltDB opens ./dtm.bolt when the store is first used, in WaitStoreUp.
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	if err := os.Chdir(dir); err != nil {
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

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		_, err := d.get(ctx, "/api/dtmsvr/newGid", nil)
		if err == nil {
			return d, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("dtm's HTTP API at %s did not answer: %w", d.HTTPAddr, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func freePort() (int, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer lis.Close()
	return lis.Addr().(*net.TCPAddr).Port, nil
}

// get calls dtm's HTTP API.
func (d *DTM) get(ctx context.Context, path string, query url.Values) ([]byte, error) {
	u := "http://" + d.HTTPAddr + path
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

// errNoTrans is returned by Query for a gid dtm does not know.
var errNoTrans = errors.New("no such transaction")

// Query asks dtm's HTTP API (/api/dtmsvr/query) about the transaction gid.
func (d *DTM) Query(ctx context.Context, gid string) (*Trans, error) {
	body, err := d.get(ctx, "/api/dtmsvr/query", url.Values{"gid": {gid}})
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
		return nil, fmt.Errorf("query %s: %w", gid, errNoTrans)
	}
	r.Transaction.Branches = r.Branches
	return r.Transaction, nil
}

// WaitStatus polls dtm until the transaction gid reaches status want, and fails
// the test when it ends in another final status or the deadline passes.
func (d *DTM) WaitStatus(t testing.TB, gid, want string, timeout time.Duration) *Trans {
	t.Helper()
	tr, err := d.waitFinal(gid, want, timeout, 5*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func (d *DTM) waitFinal(gid, want string, timeout, every time.Duration) (*Trans, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last *Trans
	var lastErr error
	for {
		tr, err := d.Query(ctx, gid)
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
