package use_test

import (
	"testing"

	upstream "github.com/dtm-labs/dtmdriver"
	polaris "github.com/dtmdrivers/drivers/driver-polaris"
	_ "github.com/dtmdrivers/drivers/driver-polaris/use"
	"github.com/dtmdrivers/drivers/dtmdriver"
)

// The import alone selects the driver, here and in the registry that
// github.com/dtm-labs/client and the dtm server look drivers up in.
func TestImportSelectsDriver(t *testing.T) {
	if got := dtmdriver.GetDriver().GetName(); got != polaris.DriverName {
		t.Errorf("dtmdriver.GetDriver() = %q, want %q", got, polaris.DriverName)
	}
	if got := upstream.GetDriver().GetName(); got != polaris.DriverName {
		t.Errorf("github.com/dtm-labs/dtmdriver GetDriver() = %q, want %q", got, polaris.DriverName)
	}
	if err := dtmdriver.Use(dtmdriver.DefaultName); err == nil {
		t.Error("Use(default) after the import succeeded: want an error naming the driver in use")
	}
}
