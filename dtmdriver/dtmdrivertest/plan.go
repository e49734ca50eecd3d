package dtmdrivertest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// testPlan: a driver that implements dtmdriver.Planner plans nothing for an
// empty target and refuses every malformed target that RegisterGrpcService
// refuses, with dtmdriver.ErrBadURI and no credential quoted. The plan of a
// valid target is checked by Register, against the registry.
func testPlan(t *testing.T, h Harness) {
	p, ok := h.Driver.(dtmdriver.Planner)
	if !ok {
		t.Skip("the driver does not implement dtmdriver.Planner")
	}
	if regs, err := planSafely(p, ""); err != nil || len(regs) != 0 {
		t.Errorf("PlanRegistration(\"\") = %v, %v; want nothing planned and no error", regs, err)
	}
	if h.Driver.GetName() == dtmdriver.DefaultName {
		return
	}
	for _, target := range slices.Concat(MalformedTargets, h.MalformedTargets) {
		regs, err := planSafely(p, target)
		switch {
		case err == nil:
			t.Errorf("PlanRegistration(%q) = %v, nil; want the error RegisterGrpcService gives for it", target, regs)
		case !errors.Is(err, dtmdriver.ErrBadURI):
			t.Errorf("PlanRegistration(%q) error %q does not wrap dtmdriver.ErrBadURI", target, err)
		case strings.Contains(err.Error(), Secret):
			t.Errorf("PlanRegistration(%q) error quotes the credential: %q", target, err)
		}
	}
}

// planSafely calls PlanRegistration and turns a panic into an error.
func planSafely(p dtmdriver.Planner, target string) (regs []dtmdriver.Registration, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("PlanRegistration panicked: %v", r)
		}
	}()
	return p.PlanRegistration(target)
}

// checkPlanned: once target is registered, its plan names a registration per
// registry, each by a driver that is registered, with credentials that print
// and marshal as names only, and a client URI through which the driver's own
// resolver reaches dtm's endpoint (the health service named service).
func checkPlanned(t *testing.T, h Harness, target, service string) {
	t.Helper()
	p, ok := h.Driver.(dtmdriver.Planner)
	if !ok {
		return
	}
	regs, err := planSafely(p, target)
	if err != nil {
		t.Fatalf("PlanRegistration(%q) = %v, after RegisterGrpcService accepted it", dtmdriver.Redact(target), err)
	}
	if len(regs) == 0 {
		t.Fatalf("PlanRegistration(%q) planned nothing, yet RegisterGrpcService registered dtm", dtmdriver.Redact(target))
	}
	for _, r := range regs {
		if _, ok := dtmdriver.Lookup(r.Driver); !ok {
			t.Errorf("planned registration %+v: its driver %q is not registered", r, r.Driver)
		}
		if r.Servers == nil {
			t.Errorf("planned registration %+v: Servers is nil; want an empty list when the target names none", r)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Errorf("json.Marshal(%+v): %v", r, err)
		}
		for _, shown := range []string{fmt.Sprintf("%v %+v %#v %s", r, r, r, r.Credentials), string(b)} {
			for _, secret := range r.Credentials.Secrets() {
				if len(secret) >= 3 && strings.Contains(shown, secret) {
					t.Errorf("a planned registration shows a credential: %s", shown)
				}
			}
		}
		if r.ClientURI == "" {
			continue // a driver that cannot say how clients reach dtm
		}
		if err := CallHealth(t.Context(), h.Driver, r.ClientURI+healthCheck, service, callTimeout(h)); err != nil {
			t.Errorf("dtm's endpoint through the planned client URI %q: %v", r.ClientURI, err)
		}
	}
}
