package use_test

import (
	"testing"

	gozero "github.com/dtmdrivers/drivers/driver-gozero"
	_ "github.com/dtmdrivers/drivers/driver-gozero/use"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
)

// The import alone selects the driver, here and in the registry that
// github.com/dtm-labs/client and the dtm server look drivers up in.
func TestImportSelectsDriver(t *testing.T) { dtmdrivertest.CheckSelectedByImport(t, gozero.DriverName) }
