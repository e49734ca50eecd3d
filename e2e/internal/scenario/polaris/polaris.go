// Package polaris is driver-polaris's row: a Polaris server, dtm registered in
// it by the driver, business servers registered through polaris-go's provider
// API as grpc-go-polaris' server registers them.
package polaris

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	driver "github.com/dtmdrivers/drivers/driver-polaris"
	"github.com/dtmdrivers/drivers/e2e/internal/scenario"
	"github.com/dtmdrivers/drivers/testenv/polaristest"
	polarisprovider "github.com/dtmdrivers/drivers/testenv/polaristest/provider"
	"github.com/polarismesh/polaris-go/api"
	"google.golang.org/grpc"
)

const (
	namespace  = "default"
	dtmService = scenario.DTMService
	// refresh is polaris-go's refresh of watched services here: with the
	// server's ~1 s cache it bounds how soon a registration is seen.
	refresh = 500 * time.Millisecond
)

// New returns the row.
func New() *scenario.Scenario {
	var (
		srv      *polaristest.Server
		dir      string
		provider api.ProviderAPI
	)
	// Discovery's view: healthy, not isolated instances (the kit's List).
	lookup := func(ctx context.Context, service string) ([]string, error) { return srv.List(ctx, service) }
	return &scenario.Scenario{
		Name:   "polaris",
		Driver: driver.DriverName,
		About:  "Polaris discovery through polaris-go; services register as grpc-go-polaris' server does",
		StartRegistry: func() (func(), string, error) {
			s, stop, err := polaristest.StartMain()
			if err != nil {
				return nil, "", err
			}
			if dir, err = os.MkdirTemp("", "e2e-polaris-"); err != nil {
				stop()
				return nil, "", err
			}
			// The driver's polaris-go files (cache, logs) in dtm's process.
			os.Setenv(driver.EnvDir, filepath.Join(dir, "driver"))
			sdk, err := newSDK(s.GRPCAddr(), filepath.Join(dir, "sdk"), "")
			if err != nil {
				stop()
				os.RemoveAll(dir)
				return nil, "", err
			}
			srv = s
			provider = api.NewProviderAPIByContext(sdk)
			return func() {
				sdk.Destroy()
				stop()
				os.RemoveAll(dir)
			}, "Polaris server v1.18.1 (standalone), gRPC discovery at " + s.GRPCAddr(), nil
		},
		Registration: func(grpcAddr string) (string, string) {
			return "polaris://" + srv.GRPCAddr() + "/" + dtmService + "?namespace=" + namespace + "&ttl=5", grpcAddr
		},
		FindDTM:   scenario.FindByPath(lookup),
		Lookup:    lookup,
		DTMServer: func(string) string { return "polaris://" + dtmService },
		Serve: func(service string, register func(*grpc.Server)) (string, func(), error) {
			publish := func(addr string) error { return registerLikeGrpcGoPolaris(provider, service, addr) }
			return scenario.ServeListed(service, register, publish, lookup, 50*time.Millisecond)
		},
		BranchURI:    func(service, method string) string { return "polaris://" + service + method },
		StartSecured: func(t *testing.T) *scenario.Secured { return startSecured(t, dir) },
		// HTTP services register through polaris-go's provider API with
		// protocol http; dtm's HTTP endpoint is dtmservice-http.
		HTTP: &scenario.HTTPRow{
			Serve: func(service string, h http.Handler) (string, func(), error) {
				publish := func(addr string) error {
					_, err := polarisprovider.RegisterHTTP(provider, namespace, service, addr, nil)
					return err
				}
				return scenario.ServeHTTPListed(service, h, publish, lookup, 50*time.Millisecond)
			},
			URL:        func(service, path string) string { return "polaris://" + service + path },
			DTM:        func(string) string { return "polaris://" + dtmService + "-http/api/dtmsvr" },
			DTMService: dtmService + "-http",
		},
		ClientAppEnv: func() []string {
			return []string{
				driver.EnvAddresses + "=" + srv.GRPCAddr(),
				driver.EnvDir + "=" + filepath.Join(dir, "clientapp"),
			}
		},
	}
}

// newSDK is a plain polaris-go SDK context, as a service built with
// grpc-go-polaris (or any polaris-go user) has, with its files under dir,
// sending token to the server if not empty.
func newSDK(addr, dir, token string) (api.SDKContext, error) {
	return polarisprovider.NewSDK(addr, dir, token, refresh)
}

// registerLikeGrpcGoPolaris registers addr as an instance of service the way
// grpc-go-polaris' server does (see package provider).
func registerLikeGrpcGoPolaris(p api.ProviderAPI, service, addr string) error {
	_, err := polarisprovider.Register(p, namespace, service, addr, nil)
	return err
}
