package cli

import (
	"cmp"
	"maps"
	"slices"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// Plan is what a dtm server would register with its MicroService settings,
// read without contacting anything: the registry, where it is, the service
// (or etcd key) dtm goes under, and the URI clients dial to reach dtm. It
// holds no credential: Credentials names the settings present.
type Plan struct {
	Driver   string `json:"driver"`
	Target   string `json:"target"` // redacted
	EndPoint string `json:"endpoint"`
	// Registry is "etcd", "consul", "polaris", or "none" (nothing registered:
	// the default and protocol1 drivers, or an empty target).
	Registry  string   `json:"registry"`
	Servers   []string `json:"servers"`
	Service   string   `json:"service,omitempty"`
	Namespace string   `json:"namespace,omitempty"`
	// Options are the target's other settings (tags, id, ttl, check, …).
	Options map[string]string `json:"options,omitempty"`
	// Credentials names the credential settings present: user, password,
	// token, tls. Never their values.
	Credentials []string `json:"credentials"`
	// ClientURI is the server part of the branch URI that reaches dtm
	// through the registry, as a client app writes it.
	ClientURI string `json:"client_uri,omitempty"`
	// HTTPService is the service dtm's HTTP endpoint goes under, for drivers
	// that publish it (dtmdriver.HTTPRegistrar: Consul, Polaris).
	HTTPService string `json:"http_service,omitempty"`

	access      registryAccess
	httpOptions map[string]string // the HTTP registration's Options, when they differ
}

// planRegistrations returns the plan of every registration dtm makes with
// driver, target and endpoint, read by the driver itself
// (dtmdriver.Planner): one, or one per target of dtm-driver-multi. A driver
// that cannot plan is checked by its endpoint alone. It returns at least one
// plan, with the error (wrapping dtmdriver.ErrBadURI, redacted).
func planRegistrations(driver, target, endpoint string) ([]Plan, error) {
	base := Plan{Driver: driver, Target: dtmdriver.Redact(target), EndPoint: showEndpoint(endpoint), Registry: "none",
		Servers: []string{}, Credentials: []string{}}
	d, ok := dtmdriver.Lookup(driver)
	if !ok {
		return []Plan{base}, errUnknownDriver(driver)
	}
	if driver != dtmdriver.DefaultName {
		if _, _, err := dtmdriver.CheckEndpoint(endpoint); err != nil {
			return []Plan{base}, err
		}
	}
	regs, ok, err := dtmdriver.Plan(d, target)
	if err != nil || !ok || len(regs) == 0 {
		return []Plan{base}, err
	}
	plans := make([]Plan, 0, len(regs))
	for _, r := range regs {
		c := r.Credentials
		p := base
		p.Driver, p.Target = r.Driver, r.Target
		p.Registry = cmp.Or(r.Registry, "none")
		p.Servers = append([]string{}, r.Servers...)
		p.Service, p.Namespace, p.ClientURI, p.HTTPService = r.Service, r.Namespace, r.ClientURI, r.HTTPService
		if len(r.Options) > 0 {
			p.Options = maps.Clone(r.Options)
		}
		p.httpOptions = maps.Clone(r.HTTPOptions)
		p.Credentials = slices.Sorted(slices.Values(c.Names()))
		p.access = registryAccess{user: c.User, password: c.Password, token: c.Token,
			tls: etcdTLS{certFile: c.CertFile, keyFile: c.KeyFile, caFile: c.CAFile, insecureSkipVerify: c.InsecureSkipVerify}}
		plans = append(plans, p)
	}
	return plans, nil
}
