package consultest

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// StartMain is [Start] for TestMain (or a program), which has no testing.TB:
// it runs the agent in a temporary directory of its own and returns it with a
// function that ends it and removes the directory. Call stop before os.Exit.
// A missing binary is an error whether DTMDRIVERS_BIN is set or not.
func StartMain(opts ...Option) (a *Agent, stop func(), err error) {
	cfg := config{startTimeout: defaultStartTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.acl && cfg.token == "" {
		return nil, nil, errors.New("consultest: WithACL needs a management token")
	}
	bin, err := mainBinary()
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "consultest-")
	if err != nil {
		return nil, nil, fmt.Errorf("consultest: %w", err)
	}
	a = &Agent{
		bin:     bin,
		dir:     dir,
		logPath: filepath.Join(dir, "consul.log"),
		cfg:     cfg,
		client:  &http.Client{Timeout: 2 * time.Second},
	}
	stop = func() {
		a.Stop()
		a.client.CloseIdleConnections()
		_ = os.RemoveAll(dir)
	}
	if err := a.writeConfig(); err != nil {
		stop()
		return nil, nil, fmt.Errorf("consultest: %w", err)
	}
	for range startAttempts {
		if a.ports, err = freePorts(); err != nil {
			break
		}
		err = a.start(time.Now().Add(cfg.startTimeout))
		if err == nil {
			return a, stop, nil
		}
		if !errors.Is(err, errAddrInUse) {
			break
		}
	}
	stop()
	return nil, nil, fmt.Errorf("consultest: starting consul agent: %w", err)
}

// mainBinary finds the consul binary for StartMain and StartClusterMain,
// which have no testing.TB to skip: a missing binary is an error.
func mainBinary() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("consultest: %w", err)
	}
	binDir, fromEnv := os.LookupEnv(BinEnv)
	bin, err := findBinary(binDir, fromEnv && binDir != "", wd)
	if err != nil {
		return "", fmt.Errorf("consultest: %w; run `make tools`", err)
	}
	return bin, nil
}
