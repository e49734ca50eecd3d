package dtmdriver

import (
	"log/slog"
	"runtime/debug"
	"sync"
)

// upstreamModules are the upstream modules that register a driver under one
// of our drivers' names in github.com/dtm-labs/dtmdriver. That package keeps
// one driver per name and lets the last registration win, so a binary that
// links ours and theirs gets one of them by package initialisation order.
var upstreamModules = map[string][]string{
	"dtm-driver-gozero":    {"github.com/dtm-labs/dtmdriver-gozero", "github.com/dtm-labs/driver-gozero"},
	"dtm-driver-polaris":   {"github.com/dtm-labs/dtmdriver-polaris", "github.com/dtm-labs/driver-polaris"},
	"dtm-driver-protocol1": {"github.com/dtm-labs/dtmdriver-protocol1"},
}

// linkedModules returns the module paths of the running binary's packages.
var linkedModules = sync.OnceValue(func() map[string]string {
	mods := map[string]string{}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, m := range info.Deps {
			mods[m.Path] = m.Version
		}
	}
	return mods
})

// collidingModules returns the linked upstream modules that register a
// driver named name.
func collidingModules(name string) []string {
	var found []string
	for _, path := range upstreamModules[name] {
		if v, ok := linkedModules()[path]; ok {
			found = append(found, path+"@"+v)
		}
	}
	return found
}

// warnCollision logs, at start, that another module registers name in the
// upstream registry too. Upstream's Register gives no way to see it happen.
func warnCollision(name, ours string) {
	for _, theirs := range collidingModules(name) {
		slog.Error("dtmdriver: two packages register the same driver name in github.com/dtm-labs/dtmdriver, "+
			"which keeps the one initialised last: link only one of them",
			"driver", name, "ours", ours, "theirs", theirs)
	}
}
