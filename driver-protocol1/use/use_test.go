package use_test

import (
	"strings"
	"testing"

	protocol1 "github.com/dtmdrivers/drivers/driver-protocol1"
	_ "github.com/dtmdrivers/drivers/driver-protocol1/use"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
)

// The import alone selects the driver, here and in the registry that
// github.com/dtm-labs/client and the dtm server look drivers up in.
func TestImportSelectsDriver(t *testing.T) {
	dtmdrivertest.CheckSelectedByImport(t, protocol1.DriverName)
}

// A second driver after the import is a program that cannot work: MustUse
// panics with the error naming both drivers.
func TestMustUseRefusesASecondDriver(t *testing.T) {
	defer func() {
		r := recover()
		err, ok := r.(error)
		if !ok || !strings.Contains(err.Error(), protocol1.DriverName) {
			t.Errorf("MustUse(default) recovered %v, want an error naming %q", r, protocol1.DriverName)
		}
	}()
	dtmdriver.MustUse(dtmdriver.DefaultName)
}
