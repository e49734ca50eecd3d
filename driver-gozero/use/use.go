// Package use selects driver-gozero for the whole process when it is imported:
//
//	import _ "github.com/dtmdrivers/drivers/driver-gozero/use"
//
// That blank import is all a client app needs, as with upstream's
// github.com/dtm-labs/driver-gozero: its init registers the driver (through
// the driver package it imports) and calls [dtmdriver.MustUse] with its name,
// so dtmgrpc and dtmcli of github.com/dtm-labs/client, and the dtm SDK inside
// github.com/dtm-labs/dtm, resolve this driver's branch URIs without a call
// to Use.
//
// A dtm server must not import it: the server links several drivers and picks
// one from its MicroService.Driver setting. Import the driver package itself
// there ("github.com/dtmdrivers/drivers/driver-gozero"), which only registers.
//
// Importing two "use" packages panics at start, naming both drivers: a process
// uses one driver.
package use

import (
	gozero "github.com/dtmdrivers/drivers/driver-gozero"
	"github.com/dtmdrivers/drivers/dtmdriver"
)

func init() { dtmdriver.MustUse(gozero.DriverName) }
