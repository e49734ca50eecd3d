package use_test

import (
	"testing"

	consul "github.com/dtmdrivers/drivers/driver-consul"
	_ "github.com/dtmdrivers/drivers/driver-consul/use"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
)

// The import alone selects the driver, here and in the registry that
// github.com/dtm-labs/client and the dtm server look drivers up in.
func TestImportSelectsDriver(t *testing.T) { dtmdrivertest.CheckSelectedByImport(t, consul.DriverName) }
