package consul

import (
	"fmt"
	"os"
	"testing"

	consul "github.com/dtmdrivers/drivers/driver-consul"
	"github.com/dtmdrivers/drivers/dtmdriver"
)

// TestMain selects the driver before anything dials (gRPC's resolver registry
// is written without a lock). No registry starts here.
func TestMain(m *testing.M) {
	if err := dtmdriver.Use(consul.DriverName); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
