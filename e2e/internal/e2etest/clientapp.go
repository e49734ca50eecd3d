package e2etest

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testClientApp builds cmd/clientapp, a client app on github.com/dtm-labs/client
// that blank-imports the driver, and runs it as its own process: it reaches dtm
// through the driver's URI and submits a saga; the test asks dtm for the outcome.
func testClientApp(t *testing.T, sc *Scenario) {
	bin := buildClientApp(t)
	f := newFixture(t, sc, "busi-a", "busi-b")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"-driver", sc.Driver,
		"-dtm", dtmServer(sc),
		"-out", f.uri("TransOut"), "-out-revert", f.uri("TransOutRevert"),
		"-in", f.uri("TransIn"), "-in-revert", f.uri("TransInRevert"),
		"-from", strconv.Itoa(payer), "-to", strconv.Itoa(payee), "-amount", "25")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", cmd, err, &stdout, &stderr)
	}
	gid, ok := strings.CutPrefix(strings.TrimSpace(stdout.String()), "gid ")
	if !ok || gid == "" || strings.ContainsAny(gid, " \n") {
		t.Fatalf("client app printed %q, want \"gid <gid>\"; stderr:\n%s", &stdout, &stderr)
	}
	dtm.WaitStatus(t, gid, "succeed", quick)
	f.wantBalances(t, 75, 125)
}

// buildClientApp builds cmd/clientapp into a temporary directory; go's build
// cache makes the build after the first one quick.
func buildClientApp(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	bin := filepath.Join(t.TempDir(), "clientapp")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/clientapp")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the client app in %s: %v\n%s", root, err, out)
	}
	return bin
}
