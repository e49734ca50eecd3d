package polaristest

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// StartMain is [Start] for TestMain (or a program), which has no testing.TB:
// it runs the server in a temporary directory of its own and returns it with a
// function that kills it and removes the directory. Call stop before os.Exit.
// A missing binary is an error whether DTMDRIVERS_BIN is set or not.
func StartMain(opts ...Option) (s *Server, stop func(), err error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, nil, fmt.Errorf("polaristest: %w", err)
	}
	dir, set := os.LookupEnv(binEnv)
	bin, err := findBinary(dir, set, wd)
	if err != nil {
		return nil, nil, fmt.Errorf("polaristest: %w: run `make tools`", err)
	}
	tmp, err := os.MkdirTemp("", "polaristest-")
	if err != nil {
		return nil, nil, fmt.Errorf("polaristest: %w", err)
	}
	s = &Server{bin: bin, dir: tmp, cfg: config{startTimeout: 30 * time.Second}}
	for _, o := range opts {
		o(&s.cfg)
	}
	stop = func() {
		s.Stop()
		_ = os.RemoveAll(tmp)
	}
	deadline := time.Now().Add(s.cfg.startTimeout)
	// As in Start: new ports when the server exits during start-up.
	for range 3 {
		if err = s.pickPorts(); err != nil {
			break
		}
		if err = s.start(deadline); err == nil {
			return s, stop, nil
		}
		if !errors.Is(err, errExited) {
			break
		}
	}
	stop()
	return nil, nil, fmt.Errorf("polaristest: %w", err)
}
