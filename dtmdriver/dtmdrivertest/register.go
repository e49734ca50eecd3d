package dtmdrivertest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// MalformedTargets are registration targets every driver must refuse with an
// error wrapping [dtmdriver.ErrBadURI]: no driver's scheme, or no URL at all.
var MalformedTargets = []string{
	" ",
	"a",
	"\x00",
	"://127.0.0.1:1/dtmservice",
	"%zz://127.0.0.1:1/dtmservice",
	"nosuchscheme://127.0.0.1:1/dtmservice",
	"http://127.0.0.1:1/dtmservice",
	"nosuchscheme://user:" + Secret + "@127.0.0.1:1/dtmservice",
}

// MalformedEndpoints are endpoints every driver must refuse, with an error
// wrapping [dtmdriver.ErrBadURI], for an otherwise valid target: the core's
// endpoint policy ([dtmdriver.CheckEndpoint]).
var MalformedEndpoints = []string{
	"",
	"36790",
	":36790",
	"0.0.0.0:36790",
	"[::]:36790",
	"grpc://127.0.0.1:36790",
	"127.0.0.1:0",
	"127.0.0.1:65536",
	"127.0.0.1",
	Secret,
	"user:" + Secret + "@127.0.0.1:36790",
}

// uniqueName returns a service name no other run of the suite uses.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1e9)
}

// testRegisterEmptyTarget: an empty target registers nothing and is no error.
func testRegisterEmptyTarget(t *testing.T, h Harness) {
	for _, endpoint := range []string{"127.0.0.1:36790", ""} {
		if err := h.Driver.RegisterGrpcService("", endpoint); err != nil {
			t.Errorf("RegisterGrpcService(\"\", %q) = %v; want nil (an empty target is a no-op)", endpoint, err)
		}
	}
}

// testRegisterMalformed: malformed targets, and malformed endpoints with a valid
// target, are refused with ErrBadURI and without quoting a credential; nothing
// is registered (the driver is closed afterwards, so nothing is left either).
func testRegisterMalformed(t *testing.T, h Harness, name string) {
	if name == dtmdriver.DefaultName {
		t.Skip("the default driver registers nothing: like upstream's, it ignores every target")
	}
	if err := dtmdriver.Use(name); err != nil {
		t.Fatal(err)
	}
	closeAfter(t, h)
	check := func(target, endpoint string) {
		t.Helper()
		err := registerSafely(h.Driver, target, endpoint)
		switch {
		case err == nil:
			t.Errorf("RegisterGrpcService(%q, %q) = nil; want an error", target, endpoint)
		case !errors.Is(err, dtmdriver.ErrBadURI):
			t.Errorf("RegisterGrpcService(%q, %q) error %q does not wrap dtmdriver.ErrBadURI", target, endpoint, err)
		case strings.Contains(err.Error(), Secret):
			t.Errorf("RegisterGrpcService(%q, %q) error quotes the credential: %q", target, endpoint, err)
		}
	}
	for _, target := range slices.Concat(MalformedTargets, h.MalformedTargets) {
		check(target, "127.0.0.1:36790")
	}
	if h.RegistrationTarget == nil {
		return
	}
	service := uniqueName("conformance-endpoint")
	target, _ := h.RegistrationTarget(t, service, "127.0.0.1:36790")
	for _, endpoint := range MalformedEndpoints {
		check(target, endpoint)
	}
	if h.Listed != nil || h.Registry != nil {
		if got := h.listed(t, service); len(got) != 0 {
			t.Errorf("after refused registrations, the registry lists %q under %q", got, service)
		}
	}
}

// registerSafely calls RegisterGrpcService and turns a panic into an error.
func registerSafely(d dtmdriver.Driver, target, endpoint string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("RegisterGrpcService panicked: %v", p)
		}
	}()
	return d.RegisterGrpcService(target, endpoint)
}

// testRegister: after RegisterGrpcService, dtm's endpoint is reachable through the
// driver's own resolver (dtm's clients reach it so), and the registry lists it.
func testRegister(t *testing.T, h Harness, name string) {
	if h.RegistrationTarget == nil {
		t.Skip("Harness.RegistrationTarget is nil")
	}
	if err := dtmdriver.Use(name); err != nil {
		t.Fatal(err)
	}
	closeAfter(t, h)
	service := uniqueName("conformance-dtm")
	addr := StartHealthServer(t, service)
	register(t, h, service, addr)
}

// register registers the server at addr under service and calls it through the
// driver's resolver. It returns once the call succeeded and the registry lists it.
func register(t *testing.T, h Harness, service, addr string) {
	t.Helper()
	target, server := h.RegistrationTarget(t, service, addr)
	if err := h.Driver.RegisterGrpcService(target, addr); err != nil {
		t.Fatalf("RegisterGrpcService(%q, %q): %v", dtmdriver.Redact(target), addr, err)
	}
	if err := CallHealth(t.Context(), h.Driver, server+healthCheck, service, callTimeout(h)); err != nil {
		t.Fatalf("dtm's endpoint through the driver's resolver after registration: %v", err)
	}
	checkPlanned(t, h, target, service)
	if h.Listed != nil || h.Registry != nil {
		WaitFor(t, callTimeout(h), fmt.Sprintf("the registry to list %s under %q", addr, service), func() bool {
			return slices.Contains(h.listed(t, service), addr)
		})
	}
}

// closeAfter closes the driver, if it is a Closer, when t ends.
func closeAfter(t *testing.T, h Harness) {
	c, ok := h.Driver.(dtmdriver.Closer)
	if !ok {
		return
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}

func callTimeout(h Harness) time.Duration {
	if h.CallTimeout > 0 {
		return h.CallTimeout
	}
	return 30 * time.Second
}
