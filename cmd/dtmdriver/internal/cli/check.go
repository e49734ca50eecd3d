package cli

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	polaris "github.com/dtmdrivers/drivers/driver-polaris"
	"github.com/dtmdrivers/drivers/dtmdriver"
)

// CheckResult is the output of `dtmdriver check -o json`. Nothing in it holds
// a credential: the target is redacted, the plan names credentials only.
type CheckResult struct {
	Config   string `json:"config"`
	Driver   string `json:"driver"`
	Target   string `json:"target"`
	EndPoint string `json:"endpoint"`
	HTTPPort int64  `json:"http_port"`
	GrpcPort int64  `json:"grpc_port"`
	// Registrations are dtm's registrations the configuration asks for: its
	// gRPC endpoint today (kind "grpc").
	Registrations []RegistrationCheck `json:"registrations"`
	Warnings      []string            `json:"warnings"`
	Problems      []string            `json:"problems"`
	OK            bool                `json:"ok"`
}

// RegistrationCheck is one registration of dtm: what dtm would register,
// what the registry holds now, and whether the instances answer.
type RegistrationCheck struct {
	Kind string `json:"kind"`
	Plan Plan   `json:"plan"`
	// Registry is what the registry lists for dtm's service now (nil when
	// nothing is registered, or the registry was not reached).
	Registry *RegistryView `json:"registry,omitempty"`
	// Registered is true when the registry lists the configured EndPoint.
	Registered bool `json:"registered"`
	// Probes are calls of dtm's API on each registered instance and on the
	// configured EndPoint.
	Probes []Probe `json:"probes"`
}

func checkCommand() *command {
	return &command{
		name:    "check",
		args:    "-c conf.yml",
		summary: "check a dtm server configuration: its driver, target and endpoint, the registry, and whether dtm is registered and answers",
		details: `Reads dtm's configuration as dtm v1.19.0 does (the environment, e.g.
MICRO_SERVICE_TARGET, then the YAML file) and checks, without registering
anything:
  1. MicroService.Driver is linked; Target and EndPoint are what the driver takes
     (the expected form otherwise); EndPoint's port is GrpcPort;
  2. the registry answers, with the target's own credentials (etcd user and
     password or TLS, Consul or Polaris token);
  3. what dtm registers: the registry, the service or key, and the URI clients
     write to reach dtm;
  4. which instances are registered there now, whether EndPoint is one, and
     whether each answers dtm's gRPC API (NewGid, which changes nothing).
It exits 1 with the problems found, 0 when dtm is registered and answers.`,
		examples: []string{
			"dtmdriver check -c /etc/dtm/conf.yml",
			"dtmdriver check -c conf.yml -o json | jq '.problems'",
			"MICRO_SERVICE_TARGET=etcd://10.0.0.7:2379/dtmservice dtmdriver check -c conf.yml",
		},
		flags: func(fs *flag.FlagSet) {
			fs.String("c", "", "dtm's configuration file (YAML), as dtm -c takes it")
			fs.Duration("timeout", 10*time.Second, "how long to wait for the registry and for each dtm instance")
		},
		run: runCheck,
	}
}

func errUnknownDriver(name string) error {
	return fmt.Errorf("MicroService.Driver %s is not a linked driver (linked: %s)", dtmdriver.Quote(name), strings.Join(dtmdriver.Drivers(), ", "))
}

// maxProbes bounds the instances check calls.
const maxProbes = 16

func runCheck(ctx context.Context, c *call) int {
	if len(c.args) > 0 {
		return c.usageError("takes no arguments (the configuration goes in -c), got %q", c.args)
	}
	path := c.fs.Lookup("c").Value.String()
	timeout := c.fs.Lookup("timeout").Value.(flag.Getter).Get().(time.Duration)
	if path == "" {
		return c.usageError("-c conf.yml is required: dtm's configuration file")
	}
	if timeout <= 0 {
		return c.usageError("-timeout %v: want a positive duration", timeout)
	}
	res := check(ctx, path, os.Getenv, timeout)
	if c.json {
		c.emit(res)
	} else {
		c.printCheck(res)
	}
	if !res.OK {
		return ExitFailure
	}
	return ExitOK
}

// check runs every check on the configuration at path.
func check(ctx context.Context, path string, getenv func(string) string, timeout time.Duration) (res CheckResult) {
	res = CheckResult{Config: path, Registrations: []RegistrationCheck{}, Warnings: []string{}, Problems: []string{}}
	defer func() { res.OK = len(res.Problems) == 0 }()
	conf, err := loadConfig(path, getenv)
	ms := conf.MicroService
	res.Driver, res.Target, res.EndPoint = ms.Driver, dtmdriver.Redact(ms.Target), showEndpoint(ms.EndPoint)
	res.HTTPPort, res.GrpcPort = conf.HTTPPort, conf.GrpcPort
	if err != nil {
		res.Problems = append(res.Problems, err.Error())
		return res
	}
	for _, name := range configEnv {
		if v := getenv(name); v != "" {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s is set in the environment: dtm reads it, and the file overrides it", name))
		}
	}
	if _, ok := dtmdriver.Lookup(ms.Driver); !ok {
		res.Problems = append(res.Problems, errUnknownDriver(ms.Driver).Error())
		return res
	}
	checkRegistrations(ctx, &res, conf, timeout)
	return res
}

// checkRegistrations checks dtm's registrations: its gRPC endpoint under
// each target of MicroService.Target (several for dtm-driver-multi), and its
// HTTP endpoint beside it where the driver publishes one (cmd/dtm's
// -register-http, on by default).
func checkRegistrations(ctx context.Context, res *CheckResult, conf dtmConfig, timeout time.Duration) {
	ms := conf.MicroService
	problem := func(format string, a ...any) { res.Problems = append(res.Problems, fmt.Sprintf(format, a...)) }
	warn := func(format string, a ...any) { res.Warnings = append(res.Warnings, fmt.Sprintf(format, a...)) }
	plans, err := planRegistrations(ms.Driver, ms.Target, ms.EndPoint)
	if err != nil {
		problem("%v", err)
		res.Registrations = append(res.Registrations, RegistrationCheck{Kind: "grpc", Plan: plans[0], Probes: []Probe{}})
		return
	}
	if _, port, err := net.SplitHostPort(ms.EndPoint); err == nil && port != strconv.FormatInt(conf.GrpcPort, 10) {
		warn("EndPoint's port %s is not GrpcPort %d: clients are sent to a port dtm does not listen on, "+
			"unless a proxy or NAT forwards it", port, conf.GrpcPort)
	}
	if ms.Driver != dtmdriver.DefaultName && ms.Target == "" {
		warn("MicroService.Target is empty: dtm registers nowhere, and clients need dtm's address")
	}
	for _, plan := range plans {
		endpoint := ms.EndPoint
		if ms.EndPoint == "" && ms.Driver == dtmdriver.DefaultName {
			endpoint = net.JoinHostPort("127.0.0.1", strconv.FormatInt(conf.GrpcPort, 10))
		}
		res.Registrations = append(res.Registrations, checkRegistration(ctx, "grpc", plan, endpoint, timeout, problem, warn))
	}
	for _, plan := range plans {
		if plan.HTTPService == "" {
			continue
		}
		host, _, err := net.SplitHostPort(ms.EndPoint)
		if err != nil || conf.HTTPPort <= 0 || conf.HTTPPort > 65535 {
			warn("dtm's HTTP endpoint (EndPoint's host, HttpPort %d) is not host:port: cmd/dtm does not publish it", conf.HTTPPort)
			continue
		}
		hp := plan
		hp.Service, hp.ClientURI = plan.HTTPService, ""
		if plan.httpOptions != nil { // as the driver registers it (Consul: checked over HTTP)
			hp.Options = plan.httpOptions
		}
		hp.EndPoint = net.JoinHostPort(host, strconv.FormatInt(conf.HTTPPort, 10))
		// The HTTP registration is optional (cmd/dtm -register-http=false,
		// dtm's own binary): what is wrong with it is a warning.
		res.Registrations = append(res.Registrations, checkRegistration(ctx, "http", hp, hp.EndPoint, timeout,
			func(format string, a ...any) { warn("HTTP registration: "+format, a...) }, warn))
	}
}

// checkRegistration reads the registry of plan, says whether endpoint is
// registered there, and calls dtm's API on every instance and on endpoint:
// gRPC's NewGid for kind "grpc", HTTP's /api/ping for kind "http".
func checkRegistration(ctx context.Context, kind string, plan Plan, endpoint string, timeout time.Duration,
	problem, warn func(format string, a ...any)) RegistrationCheck {
	rc := RegistrationCheck{Kind: kind, Plan: plan, Probes: []Probe{}}
	secrets := plan.access.secrets()
	var addrs []string
	vctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch plan.Registry {
	case "etcd":
		rc.Registry = etcdView(vctx, plan.Servers, plan.Service, plan.access)
	case "consul":
		rc.Registry = consulView(vctx, firstOr(plan.Servers, ""), plan.Service, nil, "", plan.access)
	case "polaris":
		rc.Registry = polarisView(vctx, polaris.Config{Addresses: plan.Servers, Token: plan.access.token}, plan.Namespace, plan.Service)
		rc.Registry.Service = plan.Service
	}
	if v := rc.Registry; v != nil {
		if v.Error != "" {
			problem("the registry: %s", scrub(v.Error, secrets...))
		} else if len(v.Instances) == 0 {
			why := "dtm is not running, failed to register, or registers elsewhere"
			if plan.Registry == "consul" && plan.access.token == "" {
				why += "; or the agent enforces ACLs and hides services from a request without a token (the target has no token=)"
			}
			problem("no dtm is registered under %s in %s %s: %s",
				dtmdriver.Quote(plan.Service), plan.Registry, strings.Join(v.Servers, ","), why)
		}
		for _, in := range v.Instances {
			addrs = append(addrs, in.Addr)
		}
		rc.Registered = slices.Contains(addrs, endpoint)
		if len(v.Instances) > 0 && !rc.Registered {
			problem("EndPoint %s is not registered under %s; the registry lists %s (another dtm, or an EndPoint changed since)",
				showEndpoint(endpoint), dtmdriver.Quote(plan.Service), strings.Join(addrs, ", "))
		}
	}
	if endpoint != "" && !slices.Contains(addrs, endpoint) {
		addrs = append(addrs, endpoint)
	}
	addrs = slices.DeleteFunc(addrs, func(a string) bool {
		if dtmdriver.IsHostPort(a) {
			return false
		}
		problem("%s is not host:port: not called", showEndpoint(a))
		return true
	})
	if len(addrs) > maxProbes {
		warn("%d instances: calling the first %d", len(addrs), maxProbes)
		addrs = addrs[:maxProbes]
	}
	for _, a := range addrs {
		var p Probe
		if kind == "http" {
			p = probeHTTP(ctx, a, timeout)
		} else {
			p = probeDtm(ctx, a, timeout)
		}
		p.Error = scrub(p.Error, secrets...)
		if !p.Answers {
			problem("dtm at %s: %s", a, p.Error)
		}
		rc.Probes = append(rc.Probes, p)
	}
	return rc
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}

func (c *call) printCheck(res CheckResult) {
	c.printf("config:     %s\n", res.Config)
	c.printf("driver:     %s\n", res.Driver)
	c.printf("target:     %s\n", orNone(res.Target))
	c.printf("endpoint:   %s (GrpcPort %d, HttpPort %d)\n", orNone(res.EndPoint), res.GrpcPort, res.HTTPPort)
	for _, rc := range res.Registrations {
		p := rc.Plan
		c.printf("\n%s registration (%s):\n", rc.Kind, p.Driver)
		if p.Registry == "none" {
			c.printf("  registers: nothing (clients write dtm's address)\n")
		} else {
			where := p.Registry + " " + strings.Join(p.Servers, ",")
			if len(p.Servers) == 0 {
				where = p.Registry + " (the agent of CONSUL_HTTP_ADDR)"
			}
			c.printf("  registers: %s as %s in %s", p.EndPoint, p.Service, where)
			if p.Namespace != "" {
				c.printf(", namespace %s", p.Namespace)
			}
			c.printf("\n")
			if len(p.Options) > 0 {
				var kv []string
				for _, k := range slices.Sorted(maps.Keys(p.Options)) {
					kv = append(kv, k+"="+p.Options[k])
				}
				c.printf("  options:   %s\n", strings.Join(kv, " "))
			}
			c.printf("  with:      %s\n", orNone(strings.Join(p.Credentials, ", ")))
		}
		if p.ClientURI != "" {
			c.printf("  clients:   %s/<package.Service>/<Method>\n", p.ClientURI)
		}
		if rc.Registry != nil {
			c.printView(rc.Registry, nil, "  ")
			if rc.Registry.Error == "" && len(rc.Registry.Instances) > 0 {
				c.printf("  endpoint %s registered: %v\n", p.EndPoint, rc.Registered)
			}
		}
		for _, pr := range rc.Probes {
			switch {
			case pr.Answers && rc.Kind == "http":
				c.printf("  dtm at %-21s answers (GET %s, %s)\n", pr.Addr, pingPath, pr.Latency)
			case pr.Answers:
				c.printf("  dtm at %-21s answers (NewGid %s, %s)\n", pr.Addr, pr.Gid, pr.Latency)
			default:
				c.printf("  dtm at %-21s FAILS: %s\n", pr.Addr, pr.Error)
			}
		}
	}
	for _, w := range res.Warnings {
		c.printf("\nwarning: %s", w)
	}
	if len(res.Warnings) > 0 {
		c.printf("\n")
	}
	if res.OK {
		registered := slices.ContainsFunc(res.Registrations, func(rc RegistrationCheck) bool { return rc.Registry != nil })
		if registered {
			c.printf("\nok: dtm is registered and answers\n")
		} else {
			c.printf("\nok: dtm answers (no registry: nothing to register)\n")
		}
		return
	}
	c.printf("\n%d problem%s:\n", len(res.Problems), plural(len(res.Problems), "s"))
	for _, p := range res.Problems {
		c.printf("  - %s\n", p)
	}
}

// showEndpoint returns endpoint when it is host:port, else a placeholder:
// what is not host:port may be a secret written in the wrong place.
func showEndpoint(endpoint string) string {
	if endpoint == "" || dtmdriver.IsHostPort(endpoint) {
		return endpoint
	}
	return "(not host:port, not shown)"
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
