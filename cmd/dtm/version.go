package main

import (
	"runtime/debug"
	"strings"
)

// Version names dtm's version and ours, as `dtm -v` prints it and dtm's API
// reports it: "v1.19.0 (dtmdrivers cmd/dtm v0.1.0)". The versions come from the
// build information the go command records; a build from a working tree says
// "(devel)".
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown (dtmdrivers)"
	}
	dtm := "unknown"
	var drivers []string
	for _, m := range info.Deps {
		switch {
		case m.Path == "github.com/dtm-labs/dtm":
			dtm = m.Version
		case strings.HasPrefix(m.Path, "github.com/dtmdrivers/drivers/driver-"):
			drivers = append(drivers, strings.TrimPrefix(m.Path, "github.com/dtmdrivers/drivers/")+" "+m.Version)
		}
	}
	return dtm + " (dtmdrivers cmd/dtm " + info.Main.Version + "; " + strings.Join(drivers, ", ") + ")"
}
