package e2etest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/e2e/internal/dtmserver"
	"github.com/dtmdrivers/drivers/e2e/internal/scenario"
)

// testBinaryAuth runs a saga through the dtm binary, the one that links every
// driver (and so both "auth.proto" files, see cmd/dtm/internal/protofiles),
// against a registry with authentication on: dtm registers and resolves with
// the credentials of its registration target, the business services register
// with theirs. No credential may appear in dtm's output but for dtm's own
// dump of its configuration, which this test reports, as it reports the
// credentials that the registry's client library writes to its own files
// (polaris-go logs its configuration, token included, at level info).
func testBinaryAuth(t *testing.T, sc *scenario.Scenario) {
	sec := sc.StartSecured(t)
	p := sagaThroughBinary(t, sec.Scenario, sec.BinaryEnv...)
	checkSecrets(t, p.Output(), sec.Secrets)
	for _, dir := range sec.LogDirs {
		_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for line := range strings.Lines(string(b)) {
				for _, s := range sec.Secrets {
					if strings.Contains(line, s) {
						t.Logf("the registry's client library writes a credential to %s in dtm's process (shown here as xxxxx): %s",
							path, strings.TrimSpace(strings.ReplaceAll(line, s, "xxxxx")))
					}
				}
			}
			return nil
		})
	}
}

// testBinaryAuthRefused starts the dtm binary with registration targets that
// a registry with authentication on refuses (no credentials, wrong ones): dtm
// must exit at start with the registry's refusal in its output, and quote no
// credential.
func testBinaryAuthRefused(t *testing.T, sc *scenario.Scenario) {
	sec := sc.StartSecured(t)
	bin := dtmBinary(t)
	for _, r := range sec.Refused {
		t.Run(strings.ReplaceAll(r.Name, " ", "_"), func(t *testing.T) {
			p, err := dtmserver.StartProcess(bin, dtmserver.Config{
				Dir:    t.TempDir(),
				Driver: sec.Driver,
				Registration: func(grpcAddr string) (string, string) {
					target, endpoint := r.Registration(grpcAddr)
					return strings.Replace(target, scenario.DTMService, binaryServiceFor(t), 1), endpoint
				},
			})
			var out string
			if err != nil { // exited before its HTTP API answered
				out = err.Error()
			} else {
				t.Cleanup(p.Kill)
				// dtm serves, then registers 100 ms later, and exits if that fails.
				werr := p.Wait(30 * time.Second)
				out = p.Output()
				var exit interface{ ExitCode() int }
				if werr == nil || !errors.As(werr, &exit) || exit.ExitCode() == 0 {
					t.Fatalf("dtm registering with %s: exit %v, want a failure; its output:\n%s", r.Name, werr, out)
				}
			}
			line := refusalLine(out, r.Want)
			if line == "" {
				t.Errorf("dtm's output does not say the registry refused it (%q):\n%s", r.Want, out)
			}
			t.Logf("dtm with %s, refused: %s", r.Name, line)
			checkSecrets(t, out, sec.Secrets)
		})
	}
}

// refusalLine returns the line of out that holds want.
func refusalLine(out, want string) string {
	for line := range strings.Lines(out) {
		if strings.Contains(line, want) {
			return strings.TrimSpace(line)
		}
	}
	return ""
}

// checkSecrets fails t for every line of dtm's output that holds one of
// secrets. dtm v1.19.0 dumps its whole configuration as it loads it
// (config.MustLoadConfig, at level info whatever LogLevel says); cmd/dtm
// keeps that dump out of its log and logs the configuration redacted.
func checkSecrets(t *testing.T, out string, secrets []string) {
	t.Helper()
	for line := range strings.Lines(out) {
		for _, s := range secrets {
			if s != "" && strings.Contains(line, s) {
				t.Errorf("a credential appears in dtm's output (shown here as xxxxx): %s",
					strings.TrimSpace(strings.ReplaceAll(line, s, "xxxxx")))
			}
		}
	}
}
