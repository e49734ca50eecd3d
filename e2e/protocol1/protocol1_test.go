package protocol1

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/e2e/internal/e2etest"

	// The driver enters dtm only through this blank import: its init registers
	// it in our registry and, through the bridge, in github.com/dtm-labs/dtmdriver,
	// where dtm looks up MicroService.Driver.
	_ "github.com/dtmdrivers/drivers/driver-protocol1"
)

const (
	driverName = "dtm-driver-protocol1"
	prefix     = "protocol1://"
)

// protocol1 has no registry: a branch URI lists the servers, so publishing an
// instance only adds its address to the list the URIs are built from, and dtm's
// registration target is a protocol1 list naming dtm itself, which the driver
// validates (dtm exits at start if it is malformed). "Finding dtm in the
// registry" is reading that list back through the driver.
var (
	mu        sync.Mutex
	instances = map[string][]string{} // service -> addresses
)

var scenario = &e2etest.Scenario{
	Name:   "protocol1",
	Driver: driverName,
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
	DTMServer: func(grpcAddr string) string { return prefix + grpcAddr },
	Publish: func(t testing.TB, service, addr string) {
		mu.Lock()
		defer mu.Unlock()
		instances[service] = append(instances[service], addr)
	},
	BranchURI: func(service, method string) string {
		mu.Lock()
		defer mu.Unlock()
		return prefix + strings.Join(instances[service], ",") + method
	},
}

func TestMain(m *testing.M) { e2etest.Main(m, scenario) }

func TestE2E(t *testing.T) { e2etest.Run(t, scenario) }
