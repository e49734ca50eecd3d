package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/e2e/internal/scenario/gozero"
)

// wantStory is what every driver's demo prints.
var wantStory = []string{
	"TransOut 30 from user 1",
	"TransIn 30 to user 2",
	"the registry lists dtm at 127.0.0.1:",
	"the registry lists busi at 127.0.0.1:",
	"resolves to gRPC target ",
	"final status: succeed",
	"TransIn 50 to user 2 refused: payee account closed",
	"TransOutRevert 50 to user 1",
	"final status: failed (rollback reason: ",
	"balances: user 1 = 70, user 2 = 130",
	"demo finished in ",
}

func checkStory(t *testing.T, out string, extra ...string) {
	t.Helper()
	for _, want := range append(wantStory, extra...) {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}

// TestDemo runs the default story (driver-gozero) in this process: dtm runs
// once per process, so the other drivers run in TestDemoBinary.
func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, gozero.New(), false); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	checkStory(t, out.String(), "driver dtm-driver-gozero", "branch URI etcd://127.0.0.1:")
}

// TestDemoBinary builds the demo for the other drivers, one build each as
// `make demo DRIVER=...` does, and runs it.
func TestDemoBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	dir := t.TempDir()
	build := func(t *testing.T, driver string) string {
		bin := filepath.Join(dir, "demo-"+driver)
		if out, err := exec.Command("go", "build", "-tags", driver, "-o", bin, ".").CombinedOutput(); err != nil {
			t.Fatalf("go build -tags %s: %v\n%s", driver, err, out)
		}
		return bin
	}
	for _, tc := range []struct{ driver, binary, want string }{
		{"protocol1", "", "branch URI protocol1://127.0.0.1:"},
		{"polaris", "polaris-server", "branch URI polaris://busi/busi.Busi/TransOut"},
		{"consul", "consul", "branch URI consul://127.0.0.1:"},
	} {
		t.Run(tc.driver, func(t *testing.T) {
			if tc.binary != "" && !haveBinary(tc.binary) {
				t.Skipf("no %s: run `make tools`", tc.binary)
			}
			bin := build(t, tc.driver)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin)
			cmd.Env = append(os.Environ(), "LOG_LEVEL=error")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("demo -driver %s: %v\nstdout:\n%s\nstderr:\n%s", tc.driver, err, &stdout, &stderr)
			}
			checkStory(t, stdout.String(), "driver dtm-driver-"+tc.driver, tc.want,
				"TransIn 30 to user 2 over HTTP", "final status: succeed (HTTP)", "HTTP balances: user 1 = 70, user 2 = 130")
			if stderr.Len() > 0 {
				t.Errorf("demo -driver %s wrote to stderr:\n%s", tc.driver, &stderr)
			}
		})
	}
	t.Run("missing binary", func(t *testing.T) {
		cmd := exec.Command(build(t, "consul"))
		cmd.Env = append(os.Environ(), "DTMDRIVERS_BIN="+t.TempDir())
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "make tools") {
			t.Errorf("demo without the consul binary: %v, output:\n%s\nwant a failure that says to run `make tools`", err, out)
		}
	})
}

// haveBinary reports whether the registry binary is where the demo looks
// for it; with DTMDRIVERS_BIN set it must be there (make never skips).
func haveBinary(name string) bool {
	if _, ok := os.LookupEnv("DTMDRIVERS_BIN"); ok {
		return true
	}
	wd, _ := os.Getwd()
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".bin", name)); err == nil {
			return true
		}
		if filepath.Dir(d) == d {
			return false
		}
	}
}
