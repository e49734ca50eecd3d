package polaris

import (
	"fmt"
	"os"
	"testing"

	polaris "github.com/dtmdrivers/drivers/driver-polaris"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/testenv/polaristest"
)

// TestMain selects the driver before anything dials (gRPC's resolver registry
// is written without a lock). No registry starts here.
func TestMain(m *testing.M) {
	if err := dtmdriver.Use(polaris.DriverName); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// start starts a Polaris server for b and points the driver's resolvers at it,
// with polaris-go's files in a temporary directory and the default refresh
// interval (DefaultRefreshInterval), as a dtm server gets it.
func start(b *testing.B) *polaristest.Server {
	srv := polaristest.Start(b)
	if err := polaris.Configure(polaris.Config{Addresses: []string{srv.GRPCAddr()}, Dir: b.TempDir()}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = dtmdriver.Close() })
	return srv
}
