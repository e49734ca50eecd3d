package use_test

import (
	"testing"

	upstream "github.com/dtm-labs/dtmdriver"
	consul "github.com/dtmdrivers/drivers/driver-consul"
	_ "github.com/dtmdrivers/drivers/driver-consul/use"
	"github.com/dtmdrivers/drivers/dtmdriver"
)

// The import alone selects the driver, here and in the registry that
// github.com/dtm-labs/client and the dtm server look drivers up in.
func TestImportSelectsDriver(t *testing.T) {
	if got := dtmdriver.GetDriver().GetName(); got != consul.DriverName {
		t.Errorf("dtmdriver.GetDriver() = %q, want %q", got, consul.DriverName)
	}
	if got := upstream.GetDriver().GetName(); got != consul.DriverName {
		t.Errorf("github.com/dtm-labs/dtmdriver GetDriver() = %q, want %q", got, consul.DriverName)
	}
	if err := dtmdriver.Use(dtmdriver.DefaultName); err == nil {
		t.Error("Use(default) after the import succeeded: want an error naming the driver in use")
	}
}
