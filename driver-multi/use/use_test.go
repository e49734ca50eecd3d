package use_test

import (
	"testing"

	multi "github.com/dtmdrivers/drivers/driver-multi"
	_ "github.com/dtmdrivers/drivers/driver-multi/use"
	_ "github.com/dtmdrivers/drivers/driver-protocol1"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"google.golang.org/grpc/resolver"
)

// The import alone selects the composite, here and in the registry that
// github.com/dtm-labs/client and the dtm server look drivers up in, and
// registers the resolvers of the drivers linked beside it.
func TestImportSelectsDriver(t *testing.T) {
	dtmdrivertest.CheckSelectedByImport(t, multi.DriverName)
	// driver-protocol1's init runs after this package's ("driver-multi/use"
	// sorts before it): the first routing call builds the table from every
	// driver registered by then, and registers their resolvers.
	server, method, err := dtmdriver.GetDriver().ParseServerMethod("protocol1://127.0.0.1:8081/busi.Busi/TransIn")
	if err != nil || server != "protocol1://127.0.0.1:8081" || method != "/busi.Busi/TransIn" {
		t.Errorf("ParseServerMethod = %q, %q, %v", server, method, err)
	}
	if resolver.Get("protocol1") == nil {
		t.Error("gRPC has no resolver for protocol1, the scheme of the driver linked beside the composite")
	}
}
