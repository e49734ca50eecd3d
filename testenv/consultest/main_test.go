package consultest_test

import (
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/testenv/consultest"
)

func TestStartMain(t *testing.T) {
	if _, set := os.LookupEnv(consultest.BinEnv); !set {
		// Without DTMDRIVERS_BIN, Start skips when the binary is missing;
		// StartMain reports it as an error, which this test then skips on.
		if _, err := os.Stat("../../.bin/consul"); err != nil {
			t.Skip("no consul binary: run `make tools`")
		}
	}
	start := time.Now()
	a, stop, err := consultest.StartMain()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ready %v after StartMain", time.Since(start).Round(time.Millisecond))
	registerService(t, a, "")
	dir := a.Dir()
	stop()
	c := &http.Client{Timeout: time.Second}
	defer c.CloseIdleConnections()
	if resp, err := c.Get(a.URL() + "/v1/status/leader"); err == nil {
		resp.Body.Close()
		t.Errorf("the agent at %s still answers after stop", a.Addr())
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("stop left %s: %v", dir, err)
	}
}

func TestStartMainNoBinary(t *testing.T) {
	t.Setenv(consultest.BinEnv, t.TempDir())
	if a, stop, err := consultest.StartMain(); err == nil {
		stop()
		t.Fatalf("StartMain with no binary started an agent at %s", a.Addr())
	}
}
