package cli

// Every driver is linked, after the protobuf conflict policy (protofiles
// sorts before etcd and polaris-go, see the package).
import (
	_ "github.com/dtmdrivers/drivers/cmd/dtmdriver/internal/protofiles"

	_ "github.com/dtmdrivers/drivers/driver-consul"
	_ "github.com/dtmdrivers/drivers/driver-gozero"
	_ "github.com/dtmdrivers/drivers/driver-multi"
	_ "github.com/dtmdrivers/drivers/driver-polaris"
	_ "github.com/dtmdrivers/drivers/driver-protocol1"
)
