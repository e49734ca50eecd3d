package consul

import (
	"errors"
	"log/slog"
	"strings"
	"sync"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

const (
	// DriverName is the name dtm's MicroService.Driver and dtmdriver.Use take.
	DriverName = "dtm-driver-consul"
	// Scheme is the URI scheme of branch URIs, registration targets and gRPC
	// targets for this driver.
	Scheme = "consul"

	prefix = Scheme + "://"
)

// Forms for error messages: each names what a caller should have written.
const (
	branchForm dtmdriver.URIForm = "consul://agent:port/service[?option=value...]/package.Service/Method " +
		"(or consul:///service/..., or host:port/package.Service/Method)"
	targetForm dtmdriver.URIForm = "consul://agent:port/service[?tags=a,b&token=...] (or empty)"
)

// driver keeps dtm's registrations and the agent and token they were made
// with, which the resolvers it registers reuse.
type driver struct {
	mu   sync.Mutex
	regs []*registration
	// agent is the address and token of the latest registration target, or nil.
	agent *agentConf
	// http holds the watches of HTTP services (http.go).
	http dtmdriver.HTTPWatches
}

// agentConf is what a registration target says about the agent.
type agentConf struct {
	addr, token string
}

var (
	_ dtmdriver.Driver    = (*driver)(nil)
	_ dtmdriver.Closer    = (*driver)(nil)
	_ dtmdriver.Describer = (*driver)(nil)
)

// std is the driver the package registers.
var std = &driver{}

// init only registers: no dialing, no configuration reading.
func init() { dtmdriver.Register(std) }

func (*driver) GetName() string { return DriverName }

// RegisterGrpcResolver makes the "consul" scheme known to gRPC, with a builder
// that takes the agent and token of dtm's registration target, else the
// environment (see the package documentation).
func (d *driver) RegisterGrpcResolver() { registerResolver(d) }

// configuredAgent returns the agent of the latest registration target, if any.
func (d *driver) configuredAgent() *agentConf {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.agent
}

// ParseServerMethod splits "consul://agent:8500/svc?wait=14s/pkg.Svc/Method"
// into the gRPC target "consul://agent:8500/svc?wait=14s" and the method
// "/pkg.Svc/Method". A query at the end moves onto the server as well. It
// checks the agent address, the service name and the query options, without
// allocating unless a query moves or the URI is rejected.
func (*driver) ParseServerMethod(uri string) (server, method string, err error) {
	return parseCache.ParseServerMethod(uri)
}

// parseCache remembers recent splits: dtm parses the same few URIs on every
// branch call. parseServerMethod depends on the URI alone.
var parseCache = dtmdriver.NewParseCache(parseServerMethod)

// parseServerMethod is ParseServerMethod without the cache.
func parseServerMethod(uri string) (server, method string, err error) {
	// A URI without a scheme names one server directly (rest is empty), as with
	// the default driver, so that direct addresses keep working beside Consul.
	server, method, rest, err := branchForm.SplitScheme(uri, Scheme)
	if err != nil {
		return "", "", err
	}
	if reason := dtmdriver.RefuseCredentials(server); reason != "" {
		return "", "", branchForm.Reject(uri, reason+"; the ACL token comes from "+tokenSources)
	}
	if rest == "" {
		return server, method, nil
	}
	if _, reason := splitServer(rest, false); reason != "" {
		return "", "", branchForm.Reject(uri, reason)
	}
	return server, method, nil
}

// server is a branch server or registration target after "consul://".
type server struct {
	agent   string // host:port, or "" for the configured agent
	service string
	query   string // raw, without '?'
}

// splitServer splits "agent:port/service?query" and checks it. With target
// set, it checks registration options instead of resolver options. It
// allocates only for an error.
func splitServer(rest string, target bool) (s server, reason string) {
	path, query, _ := strings.Cut(rest, "?")
	agent, service, ok := strings.Cut(path, "/")
	switch {
	case !ok || service == "":
		return s, "no Consul service name after the agent address"
	case strings.IndexByte(agent, '@') >= 0:
		return s, "credentials do not belong in the URI: the ACL token comes from " + tokenSources
	case agent != "" && !dtmdriver.IsHostPort(agent):
		return s, "the agent address " + dtmdriver.Quote(agent) + " is not host:port"
	case strings.IndexByte(service, '/') >= 0:
		return s, "the Consul service name " + dtmdriver.Quote(service) + " contains '/'"
	}
	if target {
		reason = checkQuery(query, func(k, v string) string { return setRegistrationOption(nil, query, k, v) })
	} else {
		reason = checkQuery(query, func(k, v string) string { return setResolveOption(nil, query, k, v) })
	}
	return server{agent: agent, service: service, query: query}, reason
}

// checkQuery calls check for each key=value pair of a raw query and returns
// the first reason it gives.
func checkQuery(query string, check func(key, value string) string) string {
	for query != "" {
		var pair string
		pair, query, _ = strings.Cut(query, "&")
		if pair == "" {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		if reason := check(key, value); reason != "" {
			return reason
		}
	}
	return ""
}

// tokenSources says where the ACL token comes from, for reasons.
const tokenSources = "the registration target, CONSUL_HTTP_TOKEN or consul.WithToken"

// logger is the driver's logger: slog's default, with the driver's name.
func logger() *slog.Logger { return slog.Default().With("driver", DriverName) }

// Close withdraws every registration RegisterGrpcService made and stops the
// goroutines that kept them. It is safe to call more than once; the driver
// may register again afterwards. Resolvers are closed by gRPC with their
// connections.
func (d *driver) Close() error {
	d.mu.Lock()
	regs := d.regs
	d.regs = nil
	d.mu.Unlock()
	var errs []error
	for _, r := range regs {
		errs = append(errs, r.close())
	}
	d.http.Close()
	return errors.Join(errs...)
}

// Describe tells which scheme the driver owns and which forms it accepts.
func (*driver) Describe() dtmdriver.Description {
	return dtmdriver.Description{
		Schemes:     []string{Scheme},
		BranchForms: []string{string(branchForm)},
		TargetForm:  string(targetForm),
		HTTPForms:   []string{string(httpForm)},
	}
}
