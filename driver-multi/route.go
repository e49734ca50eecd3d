package multi

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// Forms for error messages.
const (
	bareForm   dtmdriver.URIForm = "host:port/package.Service/Method"
	targetForm dtmdriver.URIForm = "one registration target per registry, separated by spaces or ';', " +
		"each in the form of the linked driver that owns its scheme"
)

// grpcSchemes are the resolvers grpc-go registers itself: no driver owns them,
// so the composite driver does not route them.
var grpcSchemes = []string{"dns", "passthrough", "unix", "unix-abstract"}

// route is one scheme and the driver that owns it.
type route struct {
	scheme string
	driver dtmdriver.Driver
	http   dtmdriver.HTTPResolver // nil unless the driver resolves HTTP URLs
}

// linked is a driver the composite saw, for routing and for errors.
type linked struct {
	name    string
	schemes []string // empty: the driver is not routed
	forms   []string
	http    []string // its HTTP URL forms, when it resolves HTTP URLs
}

// table routes a scheme to its driver. It is built once and read without a
// lock: a few routes, compared in order, cost less than a map lookup.
type table struct {
	routes []route
	bare   dtmdriver.Driver // the default driver, for URIs without a scheme
	linked []linked
	want   dtmdriver.URIForm // every form, for errors
}

// buildTable makes the routing table from drivers, which must hold the
// default driver. It refuses a scheme that two drivers claim, naming both.
func buildTable(drivers []dtmdriver.Driver) (*table, error) {
	t := &table{}
	for _, d := range drivers {
		name := d.GetName()
		if name == DriverName {
			continue
		}
		if name == dtmdriver.DefaultName {
			t.bare = d
			continue
		}
		l := linked{name: name}
		desc, ok := dtmdriver.Describe(d)
		if ok {
			l.schemes, l.forms, l.http = desc.Schemes, desc.BranchForms, desc.HTTPForms
		} else {
			slog.Warn("dtmdriver: composite driver: a linked driver does not say which schemes it owns "+
				"(it does not implement dtmdriver.Describer): no branch URI is routed to it", "driver", name)
		}
		for _, s := range l.schemes {
			s = strings.ToLower(s)
			for _, r := range t.routes {
				if r.scheme == s {
					return nil, fmt.Errorf("dtmdriver: %s: scheme %q is claimed by two drivers, %s and %s: "+
						"link only one of them", DriverName, s, r.driver.GetName(), name)
				}
			}
			hr, _ := d.(dtmdriver.HTTPResolver)
			t.routes = append(t.routes, route{scheme: s, driver: d, http: hr})
		}
		t.linked = append(t.linked, l)
	}
	if t.bare == nil {
		return nil, fmt.Errorf("dtmdriver: %s: the default driver %q is not among the drivers", DriverName, dtmdriver.DefaultName)
	}
	t.want = dtmdriver.URIForm(t.describe())
	return t, nil
}

// registerResolvers registers the gRPC resolvers of every routed driver, once
// per process (dtmdriver.RegisterResolvers shares the once with Use).
func (t *table) registerResolvers() {
	for _, l := range t.linked {
		if len(l.schemes) == 0 {
			continue
		}
		if err := dtmdriver.RegisterResolvers(l.name); err != nil {
			slog.Error("dtmdriver: composite driver: registering resolvers", "driver", l.name, "err", err)
		}
	}
}

// describe lists the routed drivers and their schemes, for errors.
func (t *table) describe() string {
	return "a URI of a linked driver's scheme (" + t.schemeList() + ") or " + string(bareForm)
}

// route returns the driver for uri's scheme, or the default driver for a URI
// without one. It neither allocates nor locks.
func (t *table) route(uri string) (dtmdriver.Driver, error) {
	s := dtmdriver.Scheme(uri)
	if s == "" {
		return t.bare, nil
	}
	if r := t.find(s); r != nil {
		return r.driver, nil
	}
	return nil, t.want.Reject(uri, t.unknown(s))
}

func (t *table) find(s string) *route {
	for i := range t.routes {
		r := &t.routes[i]
		if len(r.scheme) == len(s) && (r.scheme == s || strings.EqualFold(r.scheme, s)) {
			return r
		}
	}
	return nil
}

// routeTarget returns the driver that owns a registration target's scheme.
func (t *table) routeTarget(target string) (dtmdriver.Driver, error) {
	s := dtmdriver.Scheme(target)
	if s == "" {
		return nil, targetForm.Reject(target, "a target without a scheme names no registry; "+
			"write scheme://... in the form of the driver of that registry ("+t.schemeList()+")")
	}
	if r := t.find(s); r != nil {
		return r.driver, nil
	}
	return nil, targetForm.Reject(target, t.unknown(s)+" ("+t.schemeList()+")")
}

// unknown is the reason for a scheme no driver owns.
func (t *table) unknown(s string) string {
	for _, g := range grpcSchemes {
		if strings.EqualFold(s, g) {
			return "scheme " + dtmdriver.Quote(s) + " is gRPC's own resolver, which the composite driver " +
				"does not route: name the service through a registry's scheme, or host:port"
		}
	}
	return "no linked driver owns scheme " + dtmdriver.Quote(s)
}

// schemeList is "dtm-driver-consul: consul; ..." for target errors.
func (t *table) schemeList() string {
	var parts []string
	for _, l := range t.linked {
		if len(l.schemes) > 0 {
			parts = append(parts, l.name+": "+strings.Join(l.schemes, ", "))
		}
	}
	if len(parts) == 0 {
		return "no linked driver owns a scheme"
	}
	return strings.Join(parts, "; ")
}

// ResolveHTTP hands url to the driver that owns its scheme when that driver
// implements dtmdriver.HTTPResolver. A URL of another scheme (http, https)
// comes back unchanged with ok false, at the cost of a scheme scan and a few
// comparisons. A URL of a scheme whose driver does not resolve HTTP is an
// error naming the driver: sent as is, it could not be reached.
func (d *driver) ResolveHTTP(ctx context.Context, url string) (string, bool, error) {
	t, err := d.table()
	if err != nil {
		return url, false, err
	}
	s := dtmdriver.Scheme(url)
	if s == "" {
		return url, false, nil
	}
	r := t.find(s)
	if r == nil {
		return url, false, nil
	}
	if r.http == nil {
		return url, false, fmt.Errorf("dtmdriver: %s: HTTP URL %s has scheme %q, whose driver %s does not resolve HTTP URLs",
			DriverName, dtmdriver.Quote(url), r.scheme, r.driver.GetName())
	}
	return r.http.ResolveHTTP(ctx, url)
}
