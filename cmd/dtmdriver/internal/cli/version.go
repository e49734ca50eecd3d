package cli

import (
	"context"
	"runtime/debug"
	"strings"
)

// VersionInfo is the output of `dtmdriver version -o json`.
type VersionInfo struct {
	// Version is the cmd/dtmdriver module's version, "(devel)" for a build
	// from a working tree.
	Version   string            `json:"version"`
	GoVersion string            `json:"go_version"`
	Drivers   map[string]string `json:"drivers"` // module path -> version
}

func versionCommand() *command {
	return &command{
		name:     "version",
		summary:  "print dtmdriver's version and the versions of the driver modules linked",
		examples: []string{"dtmdriver version", "dtmdriver version -o json"},
		run:      runVersion,
	}
}

// Version returns the version information the go command recorded in the binary.
func Version() VersionInfo {
	v := VersionInfo{Version: "unknown", GoVersion: "unknown", Drivers: map[string]string{}}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v.Version, v.GoVersion = info.Main.Version, info.GoVersion
	if info.Main.Path != "github.com/dtmdrivers/drivers/cmd/dtmdriver" {
		v.Version = "(devel)" // a test binary: its main module is not ours
	}
	for _, m := range info.Deps {
		if strings.HasPrefix(m.Path, "github.com/dtmdrivers/drivers/driver-") || m.Path == "github.com/dtmdrivers/drivers/dtmdriver" {
			ver := m.Version
			if m.Replace != nil {
				ver = m.Replace.Version
			}
			if ver == "" {
				ver = "(devel)"
			}
			v.Drivers[m.Path] = ver
		}
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
	for _, m := range sortedKeys(v.Drivers) {
		c.printf("  %s %s\n", strings.TrimPrefix(m, "github.com/dtmdrivers/drivers/"), v.Drivers[m])
	}
	return ExitOK
}
