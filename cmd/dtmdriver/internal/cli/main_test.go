package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/etcdtest"
)

// etcd is the package's one etcd, started by TestMain unless -short.
var etcd *etcdtest.Etcd

func TestMain(m *testing.M) {
	flag.Parse()
	// Before etcd dials its own gateway: gRPC's resolver registry has no lock.
	registerAllResolvers()
	if testing.Short() {
		os.Exit(m.Run())
	}
	e, stop, err := etcdtest.StartMain()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	etcd = e
	code := m.Run()
	stop()
	os.Exit(code)
}

func needEtcd(t testing.TB) *etcdtest.Etcd {
	t.Helper()
	if etcd == nil {
		t.Skip("needs etcd: not with -short")
	}
	return etcd
}

// result is one run of the command line.
type result struct {
	stdout, stderr string
	code           int
}

// run runs the command line args and checks that no output holds
// dtmdrivertest.Secret, the credential tests plant.
func run(t *testing.T, args ...string) result {
	t.Helper()
	return runCtx(t, context.Background(), args...)
}

func runCtx(t *testing.T, ctx context.Context, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(ctx, args, &out, &errOut)
	r := result{out.String(), errOut.String(), code}
	noSecret(t, r.stdout+r.stderr)
	return r
}

func noSecret(t *testing.T, s string) {
	t.Helper()
	if strings.Contains(s, dtmdrivertest.Secret) {
		t.Errorf("output holds the planted credential %q:\n%s", dtmdrivertest.Secret, s)
	}
}

// decode decodes r's stdout as JSON into v, failing the test otherwise.
func decode[T any](t *testing.T, r result) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("stdout is not the JSON of %T: %v\n%s", v, err, r.stdout)
	}
	return v
}

func wantCode(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d; stdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

func wantContains(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s lacks %q:\n%s", what, sub, s)
		}
	}
}
