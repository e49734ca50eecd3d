package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// defaultForms is the default driver's one branch form; it registers nowhere.
var defaultForms = []string{"host:port/package.Service/Method"}

// DriverInfo is one linked driver in `dtmdriver drivers -o json`.
type DriverInfo struct {
	Name        string   `json:"name"`
	Schemes     []string `json:"schemes"`
	BranchForms []string `json:"branch_forms"`
	TargetForm  string   `json:"target_form"`
	// HTTPForms are the HTTP URL forms the driver resolves through its
	// registry (dtm's HTTP branches), if any.
	HTTPForms []string `json:"http_forms"`
}

// DriversResult is the output of `dtmdriver drivers -o json`.
type DriversResult struct {
	Drivers []DriverInfo `json:"drivers"`
}

func driversCommand() *command {
	return &command{
		name:    "drivers",
		summary: "list the linked drivers, the URI schemes they own and the URI forms they take",
		details: `A branch URI goes to the driver that owns its scheme; one without a scheme
(host:port/...) is the default driver's form, which every driver also takes.
The target form is what MicroService.Target takes in dtm's configuration.`,
		examples: []string{"dtmdriver drivers", "dtmdriver drivers -o json | jq -r '.drivers[].name'"},
		run:      runDrivers,
	}
}

// linkedDrivers describes every registered driver, sorted by name.
func linkedDrivers() []DriverInfo {
	var out []DriverInfo
	for _, name := range dtmdriver.Drivers() {
		d, ok := dtmdriver.Lookup(name)
		if !ok {
			continue
		}
		info := DriverInfo{Name: name, Schemes: []string{}, BranchForms: []string{}, HTTPForms: []string{}}
		if desc, ok := dtmdriver.Describe(d); ok {
			info.Schemes = append(info.Schemes, desc.Schemes...)
			info.BranchForms = append(info.BranchForms, desc.BranchForms...)
			info.TargetForm = desc.TargetForm
			info.HTTPForms = append(info.HTTPForms, desc.HTTPForms...)
		} else if name == dtmdriver.DefaultName {
			info.BranchForms = append(info.BranchForms, defaultForms...)
		}
		out = append(out, info)
	}
	return out
}

func runDrivers(_ context.Context, c *call) int {
	if len(c.args) > 0 {
		return c.usageError("takes no arguments, got %q", c.args)
	}
	res := DriversResult{Drivers: linkedDrivers()}
	if c.json {
		c.emit(res)
		return ExitOK
	}
	for i, d := range res.Drivers {
		if i > 0 {
			c.printf("\n")
		}
		c.printf("%s\n", d.Name)
		schemes := strings.Join(d.Schemes, ", ")
		if schemes == "" {
			schemes = "(none: host:port only)"
		}
		c.printf("  schemes:  %s\n", schemes)
		for j, f := range d.BranchForms {
			label := "          "
			if j == 0 {
				label = "branches:"
			}
			c.printf("  %s %s\n", label, f)
		}
		for j, f := range d.HTTPForms {
			label := "          "
			if j == 0 {
				label = "http:    "
			}
			c.printf("  %s %s\n", label, f)
		}
		target := d.TargetForm
		if target == "" {
			target = "(registers nowhere)"
		}
		c.printf("  target:   %s\n", target)
	}
	return ExitOK
}

// driverForScheme returns the linked driver that owns scheme
// (case-insensitive). When several claim it (a composite driver claims its
// drivers' schemes), the one claiming the fewest wins: the driver of that
// registry.
func driverForScheme(scheme string) (dtmdriver.Driver, bool) {
	scheme = strings.ToLower(scheme)
	var best dtmdriver.Driver
	fewest := 0
	for _, name := range dtmdriver.Drivers() {
		d, ok := dtmdriver.Lookup(name)
		if !ok {
			continue
		}
		desc, ok := dtmdriver.Describe(d)
		if !ok || !slices.Contains(desc.Schemes, scheme) {
			continue
		}
		if best == nil || len(desc.Schemes) < fewest {
			best, fewest = d, len(desc.Schemes)
		}
	}
	return best, best != nil
}

// ownedSchemes lists every scheme a linked driver owns, sorted.
func ownedSchemes() []string {
	var all []string
	for _, d := range linkedDrivers() {
		all = append(all, d.Schemes...)
	}
	slices.Sort(all)
	return slices.Compact(all)
}

// chooseDriver returns the driver for uri: the one named (-driver), else the
// owner of uri's scheme, else the default driver for a URI without one.
func chooseDriver(uri, named string) (dtmdriver.Driver, error) {
	if named != "" {
		d, ok := dtmdriver.Lookup(named)
		if !ok {
			return nil, fmt.Errorf("no driver named %q is linked (linked: %s)", named, strings.Join(dtmdriver.Drivers(), ", "))
		}
		return d, nil
	}
	scheme := dtmdriver.Scheme(uri)
	if scheme == "" {
		d, _ := dtmdriver.Lookup(dtmdriver.DefaultName)
		return d, nil
	}
	if d, ok := driverForScheme(scheme); ok {
		return d, nil
	}
	return nil, fmt.Errorf("no linked driver owns the scheme %s (owned: %s); with -driver NAME, "+
		"the URI is read as dtm configured with that driver reads it",
		dtmdriver.Quote(scheme), strings.Join(ownedSchemes(), ", "))
}
