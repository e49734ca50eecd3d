//go:build polaris && use

package main

// Built with the tags polaris and use, the app is written as dtm's client examples
// are: a blank import of a package whose init selects the driver, and no Use
// call (run it without -driver).
import _ "github.com/dtmdrivers/drivers/driver-polaris/use"
