//go:build protocol1 && use

package main

// Built with the tags protocol1 and use, the app is written as dtm's client examples
// are: a blank import of a package whose init selects the driver, and no Use
// call (run it without -driver).
import _ "github.com/dtmdrivers/drivers/driver-protocol1/use"
