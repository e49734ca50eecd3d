// Package protocol1 is driver-protocol1's row: no registry, branch URIs list
// the servers.
package protocol1

import (
	"context"
	"net/http"
	"strings"
	"sync"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/e2e/internal/scenario"
	"google.golang.org/grpc"

	// The driver enters dtm only through this import: its init registers it in
	// our registry and, through the bridge, in github.com/dtm-labs/dtmdriver,
	// where dtm looks up MicroService.Driver.
	_ "github.com/dtmdrivers/drivers/driver-protocol1"
)

const (
	driverName = "dtm-driver-protocol1"
	prefix     = "protocol1://"
)

// New returns the row. protocol1 has no registry: a branch URI lists the
// servers, so serving an instance only adds its address to the list the URIs
// are built from, and dtm's registration target is a protocol1 list naming dtm
// itself, which the driver validates (dtm exits at start if it is malformed).
// "Finding dtm in the registry" is reading that list back through the driver.
func New() *scenario.Scenario {
	var (
		mu        sync.Mutex
		instances = map[string][]string{} // service -> addresses
	)
	lookup := func(_ context.Context, service string) ([]string, error) {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), instances[service]...), nil
	}
	return &scenario.Scenario{
		Name:   "protocol1",
		Driver: driverName,
		About:  "branch URIs carry a static list of gRPC servers; no registry",
		Registration: func(grpcAddr string) (string, string) {
			return prefix + grpcAddr, grpcAddr
		},
		FindDTM: func(_ context.Context, target string) ([]string, error) {
			d, _ := dtmdriver.Lookup(driverName)
			server, _, err := d.ParseServerMethod(target + "/dtmgimp.Dtm/NewGid")
			if err != nil {
				return nil, err
			}
			list := strings.TrimPrefix(strings.TrimPrefix(server, prefix), "/")
			return strings.Split(list, ","), nil
		},
		Lookup:    lookup,
		DTMServer: func(grpcAddr string) string { return prefix + grpcAddr },
		Serve: func(service string, register func(*grpc.Server)) (string, func(), error) {
			addr, stop, err := scenario.ServeGRPC(register)
			if err != nil {
				return "", nil, err
			}
			mu.Lock()
			defer mu.Unlock()
			instances[service] = append(instances[service], addr)
			return addr, stop, nil
		},
		BranchURI: func(service, method string) string {
			mu.Lock()
			defer mu.Unlock()
			return prefix + strings.Join(instances[service], ",") + method
		},
		// HTTP URLs list the servers too: protocol1://a,b/api/busi/TransIn.
		HTTP: &scenario.HTTPRow{
			Serve: func(service string, h http.Handler) (string, func(), error) {
				addr, stop, err := scenario.ServeHTTP(h)
				if err != nil {
					return "", nil, err
				}
				mu.Lock()
				defer mu.Unlock()
				instances[service] = append(instances[service], addr)
				return addr, stop, nil
			},
			URL: func(service, path string) string {
				mu.Lock()
				defer mu.Unlock()
				return prefix + strings.Join(instances[service], ",") + path
			},
			DTM: func(httpAddr string) string { return prefix + httpAddr + "/api/dtmsvr" },
		},
	}
}
