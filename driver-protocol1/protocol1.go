package protocol1

import (
	"strings"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

const (
	// DriverName is the name dtm's MicroService.Driver and dtmdriver.Use take.
	DriverName = "dtm-driver-protocol1"
	// Scheme is the URI scheme of branch URIs and of gRPC targets for this driver.
	Scheme = "protocol1"

	prefix = Scheme + "://"
)

// Forms for error messages: each names what a caller should have written.
// FRAMEWORK: list your own URI forms here.
const (
	branchForm dtmdriver.URIForm = "protocol1://host:port[,host:port]/package.Service/Method or host:port/package.Service/Method"
	targetForm dtmdriver.URIForm = "protocol1://host:port[,host:port] (or empty)"
)

// driver is stateless: everything it needs is in the URI.
// FRAMEWORK: a driver with a registry keeps its client and registration here, and
// implements dtmdriver.Closer to withdraw the registration.
type driver struct{}

var (
	_ dtmdriver.Driver    = driver{}
	_ dtmdriver.Describer = driver{}
)

// init only registers: no dialing, no configuration reading.
func init() { dtmdriver.Register(driver{}) }

func (driver) GetName() string { return DriverName }

// RegisterGrpcResolver makes the "protocol1" scheme known to gRPC.
// FRAMEWORK: register your framework's resolver builder(s) here.
func (driver) RegisterGrpcResolver() { registerResolver() }

// RegisterGrpcService checks the target and does nothing else: with a static
// address list there is no registry to publish dtm's endpoint to.
// FRAMEWORK: a real driver parses the target (registry address, service name,
// options), connects, publishes endpoint under the name and keeps it alive. A
// target may hold the registry's credentials: errors quote it through Reject
// (which redacts it) and its parts through dtmdriver.Quote, never raw.
func (driver) RegisterGrpcService(target, endpoint string) error {
	if target == "" {
		return nil
	}
	if err := checkTarget(target); err != nil {
		return err
	}
	// FRAMEWORK: keep the core's endpoint policy; publish host and port as given.
	if _, _, err := dtmdriver.CheckEndpoint(endpoint); err != nil {
		return err
	}
	return nil
}

// checkTarget checks a registration target, a list of dtm's own addresses.
// FRAMEWORK: parse the target into what registering needs (registry
// address, service name, options, credentials) with one function that both
// RegisterGrpcService and PlanRegistration call, so that they never differ.
func checkTarget(target string) error {
	addrs, ok := strings.CutPrefix(target, prefix)
	if !ok {
		return targetForm.Reject(target, "the registration target must start with "+prefix)
	}
	if reason := checkAddrs(strings.TrimPrefix(addrs, "/")); reason != "" {
		return targetForm.Reject(target, reason)
	}
	return nil
}

// PlanRegistration reads target as RegisterGrpcService does: nothing is
// registered, and clients reach dtm at the addresses the target lists, the
// target itself. Tools such as the dtmdriver command call it; dtm does not.
// FRAMEWORK: return the registry (its kind, addresses), the service and
// namespace dtm goes under, the settings that apply, the credentials (they
// print as their names only), and the URI through which clients reach dtm.
// Contact nothing here: no dial, no file read, no log.
func (driver) PlanRegistration(target string) ([]dtmdriver.Registration, error) {
	if target == "" {
		return nil, nil
	}
	if err := checkTarget(target); err != nil {
		return nil, err
	}
	return []dtmdriver.Registration{{Driver: DriverName, Target: dtmdriver.Redact(target), Servers: []string{}, ClientURI: target}}, nil
}

// ParseServerMethod splits "protocol1://h1:p1,h2:p2/pkg.Svc/Method" into the gRPC
// target "protocol1://h1:p1,h2:p2" and the method "/pkg.Svc/Method". It validates the
// address list here, once per branch, so that a typo fails with a clear error rather
// than as an unreachable server.
// FRAMEWORK: keep this cheap; it runs on every branch call. Let SplitScheme find
// the method and your scheme (a URI without one names a single host:port
// directly, as with the default driver), refuse credentials with
// dtmdriver.RefuseCredentials before anything else, then check only what your
// resolver needs. Reasons never quote input raw: only through dtmdriver.Quote
// (and option names through dtmdriver.UnknownOption), so that they hold no
// secret and stay short.
// FRAMEWORK: keep the cache: a parse that depends on the URI alone may use it.
func (driver) ParseServerMethod(uri string) (server, method string, err error) {
	return parseCache.ParseServerMethod(uri)
}

// parseCache remembers recent splits: dtm parses the same few URIs on every
// branch call. parseServerMethod depends on the URI alone.
var parseCache = dtmdriver.NewParseCache(parseServerMethod)

// parseServerMethod is ParseServerMethod without the cache.
func parseServerMethod(uri string) (server, method string, err error) {
	server, method, addrs, err := branchForm.SplitScheme(uri, Scheme)
	if err != nil {
		return "", "", err
	}
	if reason := dtmdriver.RefuseCredentials(server); reason != "" {
		return "", "", branchForm.Reject(uri, reason)
	}
	if addrs == "" {
		return server, method, nil
	}
	// SplitScheme has refused what gRPC cannot parse, such as several IPv6
	// addresses in the authority (they go in the path: protocol1:///[::1]:1,[::1]:2).
	if reason := checkAddrs(strings.TrimPrefix(addrs, "/")); reason != "" {
		return "", "", branchForm.Reject(uri, reason)
	}
	return server, method, nil
}

// checkAddrs returns what is wrong with a comma-separated host:port list, or "".
func checkAddrs(list string) string {
	if list == "" {
		return "no address"
	}
	for {
		addr, rest, more := strings.Cut(list, ",")
		if !dtmdriver.IsHostPort(addr) {
			return "address " + dtmdriver.Quote(addr) + " is not host:port"
		}
		if !more {
			return ""
		}
		list = rest
	}
}

// Describe tells which scheme the driver owns and which forms it accepts: a
// composite driver routes protocol1:// URIs here, the dtmdriver command lists them.
// FRAMEWORK: list every scheme your resolvers register, and your forms.
func (driver) Describe() dtmdriver.Description {
	return dtmdriver.Description{
		Schemes:     []string{Scheme},
		BranchForms: []string{string(branchForm)},
		TargetForm:  string(targetForm),
		HTTPForms:   []string{string(httpForm)},
	}
}
