package polaris

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	driver "github.com/dtmdrivers/drivers/driver-polaris"
	"github.com/dtmdrivers/drivers/e2e/internal/scenario"
	"github.com/dtmdrivers/drivers/testenv/polaristest"
	"github.com/polarismesh/polaris-go/api"
	"google.golang.org/grpc"
)

// wrongToken is a token the secured server refuses.
const wrongToken = "wrong-e2e-token"

// startSecured starts a Polaris server of its own with authentication on
// (strict: no token, no access), for one test: the row's server stays open,
// since the in-process dtm and the other tests use it without a token. The
// SDK's files go under rowDir: polaris-go's loggers are the process's and
// outlive the test.
func startSecured(t *testing.T, rowDir string) *scenario.Secured {
	srv := polaristest.Start(t, polaristest.WithAuth())
	token := srv.Token()
	dir, err := os.MkdirTemp(rowDir, "secured-")
	if err != nil {
		t.Fatal(err)
	}
	sdk, err := newSDK(srv.GRPCAddr(), dir, token)
	if err != nil {
		t.Fatalf("polaris-go SDK for the secured server: %v", err)
	}
	t.Cleanup(sdk.Destroy)
	provider := api.NewProviderAPIByContext(sdk)
	lookup := srv.List // discovery's view, with the server's token
	target := "polaris://" + srv.GRPCAddr() + "/" + dtmService + "?namespace=" + namespace + "&ttl=5"
	sc := &scenario.Scenario{
		Name:   "polaris-auth",
		Driver: driver.DriverName,
		About:  "Polaris with authentication on, through polaris-go with a token",
		Registration: func(grpcAddr string) (string, string) {
			return target + "&token=" + url.QueryEscape(token), grpcAddr
		},
		FindDTM: scenario.FindByPath(lookup),
		Lookup:  lookup,
		// The test process's driver resolves through the row's server, which
		// its in-process dtm's registration named: it reaches the binary
		// directly. That the binary is listed here is checked with FindDTM.
		DTMServer: func(grpcAddr string) string { return grpcAddr },
		Serve: func(service string, register func(*grpc.Server)) (string, func(), error) {
			publish := func(addr string) error { return registerLikeGrpcGoPolaris(provider, service, addr) }
			return scenario.ServeListed(service, register, publish, lookup, 50*time.Millisecond)
		},
		BranchURI: func(service, method string) string { return "polaris://" + service + method },
	}
	return &scenario.Secured{
		Scenario: sc,
		Refused: []scenario.Refusal{
			{Name: "no token", Want: "server code 401001, reason access is not approved: invalid token",
				Registration: func(grpcAddr string) (string, string) { return target, grpcAddr }},
			{Name: "wrong token", Want: "server code 401001, reason access is not approved: invalid token",
				Registration: func(grpcAddr string) (string, string) { return target + "&token=" + wrongToken, grpcAddr }},
		},
		Secrets: []string{token, url.QueryEscape(token), wrongToken},
		// polaris-go's cache and logs in the dtm binary's process.
		BinaryEnv: []string{driver.EnvDir + "=" + filepath.Join(dir, "dtm")},
		LogDirs:   []string{filepath.Join(dir, "dtm")},
	}
}
