package cli

import (
	"context"
	"maps"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// VersionInfo is the output of `dtmdriver version -o json`.
type VersionInfo struct {
	// Version is the cmd/dtmdriver module's version, "(devel)" for a build
	// from a working tree.
	Version   string `json:"version"`
	GoVersion string `json:"go_version"`
	// Drivers maps each linked driver's name to its module and version.
	Drivers map[string]ModuleVersion `json:"drivers"`
}

// ModuleVersion is a Go module and its version, "(devel)" when built from a
// working tree.
type ModuleVersion struct {
	Module  string `json:"module"`
	Version string `json:"version"`
}

func versionCommand() *command {
	return &command{
		name:     "version",
		summary:  "print dtmdriver's version and the versions of the driver modules linked",
		examples: []string{"dtmdriver version", "dtmdriver version -o json"},
		run:      runVersion,
	}
}

// Version returns the version information the go command recorded in the
// binary, and the module of each linked driver.
func Version() VersionInfo {
	v := VersionInfo{Version: "(devel)", GoVersion: runtime.Version(), Drivers: map[string]ModuleVersion{}}
	info, ok := debug.ReadBuildInfo()
	if ok && info.Main.Path == "github.com/dtmdrivers/drivers/cmd/dtmdriver" && info.Main.Version != "" {
		v.Version = info.Main.Version
	}
	for _, name := range dtmdriver.Drivers() {
		d, _ := dtmdriver.Lookup(name)
		t := reflect.TypeOf(d)
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		mv := ModuleVersion{Module: t.PkgPath(), Version: "(devel)"}
		if ok {
			for _, m := range append([]*debug.Module{&info.Main}, info.Deps...) {
				if m.Path == mv.Module || strings.HasPrefix(mv.Module, m.Path+"/") {
					mv.Module = m.Path
					if m.Version != "" {
						mv.Version = m.Version
					}
					if m.Replace != nil && m.Replace.Version != "" {
						mv.Version = m.Replace.Version
					}
				}
			}
		}
		v.Drivers[name] = mv
	}
	return v
}

func runVersion(_ context.Context, c *call) int {
	if len(c.args) > 0 {
		return c.usageError("takes no arguments, got %q", c.args)
	}
	v := Version()
	if c.json {
		c.emit(v)
		return ExitOK
	}
	c.printf("dtmdriver %s (%s)\n", v.Version, v.GoVersion)
	for _, name := range slices.Sorted(maps.Keys(v.Drivers)) {
		m := v.Drivers[name]
		c.printf("  %-22s %s %s\n", name, m.Module, m.Version)
	}
	return ExitOK
}
