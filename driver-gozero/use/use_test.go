package use_test

import (
	"testing"

	upstream "github.com/dtm-labs/dtmdriver"
	gozero "github.com/dtmdrivers/drivers/driver-gozero"
	_ "github.com/dtmdrivers/drivers/driver-gozero/use"
	"github.com/dtmdrivers/drivers/dtmdriver"
)

// The import alone selects the driver, here and in the registry that
// github.com/dtm-labs/client and the dtm server look drivers up in.
func TestImportSelectsDriver(t *testing.T) {
	if got := dtmdriver.GetDriver().GetName(); got != gozero.Name {
		t.Errorf("dtmdriver.GetDriver() = %q, want %q", got, gozero.Name)
	}
	if got := upstream.GetDriver().GetName(); got != gozero.Name {
		t.Errorf("github.com/dtm-labs/dtmdriver GetDriver() = %q, want %q", got, gozero.Name)
	}
	if err := dtmdriver.Use(dtmdriver.DefaultName); err == nil {
		t.Error("Use(default) after the import succeeded: want an error naming the driver in use")
	}
}
