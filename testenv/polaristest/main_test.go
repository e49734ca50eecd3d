package polaristest

import (
	"os"
	"testing"
	"time"
)

func TestStartMain(t *testing.T) {
	binary(t) // skip or fail as Start does when the binary is missing
	start := time.Now()
	s, stop, err := StartMain()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ready %v after StartMain", time.Since(start).Round(time.Millisecond))
	const ns, svc = "default", "polaristest.startmain"
	register(t, s, ns, svc, "127.0.0.1", 9001)
	if got := s.Instances(t, ns, svc); len(got) != 1 || got[0].Port != 9001 {
		t.Fatalf("Instances after register = %+v, want 127.0.0.1:9001", got)
	}
	dir := s.Dir()
	stop()
	if err := checkHTTP2(s.GRPCAddr()); err == nil {
		t.Errorf("the gRPC API at %s still answers after stop", s.GRPCAddr())
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("stop left %s: %v", dir, err)
	}
}

func TestStartMainNoBinary(t *testing.T) {
	t.Setenv(binEnv, t.TempDir())
	if s, stop, err := StartMain(); err == nil {
		stop()
		t.Fatalf("StartMain with no binary started %v", s)
	}
}
