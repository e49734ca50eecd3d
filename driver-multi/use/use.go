// Package use selects the composite driver, dtm-driver-multi, for the whole
// process when it is imported:
//
//	import (
//		_ "github.com/dtmdrivers/drivers/driver-consul"
//		_ "github.com/dtmdrivers/drivers/driver-gozero"
//		_ "github.com/dtmdrivers/drivers/driver-multi/use"
//	)
//
// Import the driver packages it should route to beside it (their packages, not
// their "use" packages: a process uses one driver, here the composite). Its
// init registers the composite (through the package it imports) and calls
// [dtmdriver.MustUse] with its name, which registers the gRPC resolvers of
// every driver registered by then. Go runs the init of packages in the order
// of their import paths where they do not import each other, so a driver such
// as driver-polaris or driver-protocol1 registers after this package selected
// the composite: the composite registers the resolvers of those at its first
// routing call (ParseServerMethod), before anything dials their schemes. A
// program that dials gRPC from other goroutines before its first branch call
// selects the composite in main instead, with dtmdriver.Use(multi.DriverName),
// which registers every linked driver's resolvers at once.
//
// A dtm server must not import it: the server picks its driver from its
// MicroService.Driver setting. Import "github.com/dtmdrivers/drivers/driver-multi" there.
package use

import (
	multi "github.com/dtmdrivers/drivers/driver-multi"
	"github.com/dtmdrivers/drivers/dtmdriver"
)

func init() { dtmdriver.MustUse(multi.DriverName) }
