package gozero

import (
	"fmt"
	"os"
	"testing"

	gozero "github.com/dtmdrivers/drivers/driver-gozero"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/zeromicro/go-zero/core/logx"
)

// TestMain selects the driver before anything dials: gRPC's resolver registry
// is written without a lock, and the embedded etcd dials its own gateway. No
// registry starts here, so `go test` without -bench stays quick.
func TestMain(m *testing.M) {
	logx.Disable()
	if err := dtmdriver.Use(gozero.DriverName); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
