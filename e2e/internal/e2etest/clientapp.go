package e2etest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/e2e/internal/scenario"
)

// testClientApp builds cmd/clientapp, a client app on github.com/dtm-labs/client
// that blank-imports the driver and selects it with dtmgrpc.UseDriver, and
// runs it as its own process: it reaches dtm through the driver's URI and
// submits a saga; the test asks dtm for the outcome.
func testClientApp(t *testing.T, sc *scenario.Scenario) {
	runClientApp(t, sc, sc.BuildTag(), "-driver", sc.Driver)
}

// testClientAppUseImport is testClientApp for an app written from dtm's client
// examples: it imports the driver's "use" package and never calls Use.
func testClientAppUseImport(t *testing.T, sc *scenario.Scenario) {
	runClientApp(t, sc, sc.BuildTag()+",use")
}

// runClientApp builds the client app with tags and runs a saga through it.
func runClientApp(t *testing.T, sc *scenario.Scenario, tags string, args ...string) {
	bin := buildClientApp(t, tags)
	f := newFixture(t, sc, "busi-a", "busi-b")
	gid := execClientApp(t, sc, bin, append(args,
		"-dtm", dtmServer(sc),
		"-out", f.uri("TransOut"), "-out-revert", f.uri("TransOutRevert"),
		"-in", f.uri("TransIn"), "-in-revert", f.uri("TransInRevert"))...)
	waitStatus(t, gid, "succeed", quick)
	f.wantBalances(t, 75, 125)
}

// execClientApp runs the built client app bin with args and the row's client
// environment, asking it to move 25 from payer to payee, and returns the gid
// of the saga it submitted (it prints "gid <gid>").
func execClientApp(t *testing.T, sc *scenario.Scenario, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(args,
		"-from", strconv.Itoa(payer), "-to", strconv.Itoa(payee), "-amount", "25")...)
	if sc.ClientAppEnv != nil {
		cmd.Env = append(os.Environ(), sc.ClientAppEnv()...)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", cmd, err, &stdout, &stderr)
	}
	// A framework may log on stdout too (go-zero's p2c balancer logs its
	// connections' load there): take the last "gid <gid>" line.
	var gid string
	for line := range strings.Lines(stdout.String()) {
		if g, ok := strings.CutPrefix(strings.TrimSpace(line), "gid "); ok && g != "" && !strings.Contains(g, " ") {
			gid = g
		}
	}
	if gid == "" {
		t.Fatalf("client app printed %q, want a line \"gid <gid>\"; stderr:\n%s", &stdout, &stderr)
	}
	return gid
}

// buildClientApp builds cmd/clientapp with the build tags that link in one
// driver (the row's name, and "use" for its use package) into a temporary
// directory; go's build cache makes the build after the first one quick.
func buildClientApp(t *testing.T, tags string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	bin := filepath.Join(t.TempDir(), "clientapp")
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", tags, "-o", bin, "./cmd/clientapp")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the client app in %s: %v\n%s", root, err, out)
	}
	return bin
}
