package cli

import (
	"cmp"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

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

	access registryAccess
}

// planners read the registration target of each driver they know. A driver
// without one is checked by its endpoint alone.
var planners = map[string]func(p *Plan, target string) string{
	"dtm-driver-gozero":    planEtcd,
	"dtm-driver-consul":    planConsul,
	"dtm-driver-polaris":   planPolaris,
	"dtm-driver-protocol1": planProtocol1,
}

// multiName is the composite driver: its target lists one target per
// registry, each read by the driver that owns its scheme.
const multiName = "dtm-driver-multi"

// planRegistrations returns the plan of every registration dtm makes with
// driver, target and endpoint: one, or one per target of dtm-driver-multi.
// It returns at least one plan, with the error.
func planRegistrations(driver, target, endpoint string) ([]Plan, error) {
	if driver != multiName {
		p, err := planTarget(driver, target, endpoint)
		return []Plan{p}, err
	}
	targets := strings.FieldsFunc(target, func(r rune) bool { return r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
	if len(targets) == 0 {
		p, err := planTarget(driver, "", endpoint)
		return []Plan{p}, err
	}
	var plans []Plan
	for _, t := range targets {
		owner, ok := driverForScheme(dtmdriver.Scheme(t))
		if !ok || owner.GetName() == multiName {
			p, _ := planTarget(driver, "", endpoint)
			p.Target = dtmdriver.Redact(t)
			return []Plan{p}, dtmdriver.URIForm("one target per registry, each with the scheme of a linked driver").Reject(t,
				"no linked driver owns its scheme (owned: "+strings.Join(ownedSchemes(), ", ")+")")
		}
		p, err := planTarget(owner.GetName(), t, endpoint)
		if err != nil {
			return []Plan{p}, err
		}
		plans = append(plans, p)
	}
	return plans, nil
}

// planTarget reads driver's registration target and dtm's endpoint as the
// driver would, and returns the plan, or an error (wrapping
// dtmdriver.ErrBadURI, redacted) saying what is wrong and the expected form.
func planTarget(driver, target, endpoint string) (Plan, error) {
	p := Plan{Driver: driver, Target: dtmdriver.Redact(target), EndPoint: showEndpoint(endpoint), Registry: "none",
		Servers: []string{}, Credentials: []string{}}
	d, ok := dtmdriver.Lookup(driver)
	if !ok {
		return p, errUnknownDriver(driver)
	}
	form := dtmdriver.URIForm("(registers nowhere)")
	if desc, ok := dtmdriver.Describe(d); ok && desc.TargetForm != "" {
		form = dtmdriver.URIForm(desc.TargetForm)
	}
	if driver != dtmdriver.DefaultName {
		if _, _, err := dtmdriver.CheckEndpoint(endpoint); err != nil {
			return p, err
		}
	}
	plan := planners[driver]
	if target == "" || plan == nil {
		return p, nil
	}
	if reason := plan(&p, target); reason != "" {
		return p, form.Reject(target, reason)
	}
	if _, ok := d.(dtmdriver.HTTPRegistrar); !ok {
		p.HTTPService = ""
	}
	slices.Sort(p.Credentials)
	return p, nil
}

// planEtcd reads dtm-driver-gozero's target: etcd://[user:password@]h1,h2/key?options
// or etcd:///h1,h2?key=key&options (discov:// alike).
func planEtcd(p *Plan, target string) string {
	if strings.IndexByte(target, '#') >= 0 {
		return "a '#' in the target (in a password?) ends it as a URL; percent-encode it as %23"
	}
	u, err := url.Parse(target)
	if err != nil {
		return "not a URL"
	}
	if u.Scheme != "etcd" && u.Scheme != "discov" {
		return "scheme " + dtmdriver.Quote(u.Scheme) + ": this driver registers dtm in etcd (for Consul, use dtm-driver-consul)"
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "bad query"
	}
	list, key := u.Host, strings.Trim(u.Path, "/")
	if list == "" {
		list, key = strings.Trim(u.Path, "/"), q.Get("key")
	}
	hosts := strings.FieldsFunc(list, func(r rune) bool { return r == ',' })
	switch {
	case len(hosts) == 0:
		return "no etcd hosts"
	case strings.Contains(list, "@"):
		return "userinfo goes before the hosts of etcd://user:password@host:port/key, or in ?user= and ?password="
	case u.Host == "" && strings.Contains(list, "/"):
		return "with an empty authority (etcd:///) the path holds only the hosts; put the key in ?key="
	case key == "":
		return "no key to register dtm under"
	}
	for _, h := range hosts {
		if !dtmdriver.IsHostPort(h) {
			return "the etcd host " + dtmdriver.Quote(h) + " is not host:port"
		}
	}
	a := &p.access
	if u.User != nil {
		a.user = u.User.Username()
		a.password, _ = u.User.Password()
	}
	options := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(q)) {
		v := q[name][len(q[name])-1]
		switch name {
		case "key":
		case "user":
			a.user = v
		case "password":
			a.password = v
		case "certFile":
			a.tls.certFile = v
		case "certKeyFile":
			a.tls.keyFile = v
		case "caCertFile":
			a.tls.caFile = v
		case "insecureSkipVerify":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return "insecureSkipVerify is not a boolean"
			}
			a.tls.insecureSkipVerify = b
		case "id":
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				return "id is not a positive integer"
			}
			options["id"] = v
		default:
			return dtmdriver.UnknownOption(u.RawQuery, name) + " (known: key, user, password, certFile, certKeyFile, caCertFile, insecureSkipVerify, id)"
		}
	}
	if a.password != "" && a.user == "" {
		return "a password without a user"
	}
	if a.tls.set() && (a.tls.certFile == "" || a.tls.keyFile == "" || a.tls.caFile == "") {
		return "certFile, certKeyFile and caCertFile go together: all three or none"
	}
	p.Registry, p.Servers, p.Service = "etcd", hosts, key
	p.Options = nonEmpty(options)
	p.Credentials = credentialNames(a)
	p.ClientURI = "etcd://" + strings.Join(hosts, ",") + "/" + key
	return ""
}

// planConsul reads dtm-driver-consul's target: consul://agent:8500/service?options.
func planConsul(p *Plan, target string) string {
	rest, ok := strings.CutPrefix(target, "consul://")
	if !ok {
		return "the registration target must start with consul://"
	}
	path, query, _ := strings.Cut(rest, "?")
	agent, service, ok := strings.Cut(path, "/")
	switch {
	case !ok || service == "":
		return "no Consul service name after the agent address"
	case strings.IndexByte(agent, '@') >= 0:
		return "credentials do not belong in the authority: the ACL token goes in ?token="
	case agent != "" && !dtmdriver.IsHostPort(agent):
		return "the agent address " + dtmdriver.Quote(agent) + " is not host:port"
	case strings.ContainsAny(service, "/#"):
		return "the Consul service name " + dtmdriver.Quote(service) + " contains '/' or '#'"
	}
	options := map[string]string{}
	for pair := range strings.SplitSeq(query, "&") {
		if pair == "" {
			continue
		}
		key, raw, _ := strings.Cut(pair, "=")
		value, err := url.QueryUnescape(raw)
		if err != nil {
			return "option " + dtmdriver.OptionName(query, key) + " has a malformed value"
		}
		switch key {
		case "tags", "tag":
			for tag := range strings.SplitSeq(value, ",") {
				if tag == "" {
					return "option " + key + " has an empty tag"
				}
			}
			options["tags"] = strings.TrimPrefix(options["tags"]+","+value, ",")
		case "token":
			p.access.token = value
		case "id":
			if value == "" || strings.ContainsAny(value, "/?#") {
				return "option id wants a non-empty ID without '/', '?' or '#'"
			}
			options["id"] = value
		case "http-service":
			if value == "" || strings.ContainsAny(value, "/?#;") {
				return "option http-service wants a Consul service name without '/', '?', '#' or ';'"
			}
			options["http-service"] = value
		case "check":
			if value != "tcp" && value != "grpc" {
				return "option check wants tcp or grpc"
			}
			options["check"] = value
		case "interval", "timeout", "deregister-after":
			d, err := time.ParseDuration(value)
			if err != nil || d <= 0 {
				return "option " + key + " wants a positive duration"
			}
			options[key] = d.String()
		default:
			return dtmdriver.UnknownOption(query, key) + "; known: tags (or tag), token, id, check, interval, timeout, deregister-after, http-service"
		}
	}
	servers := []string{}
	if agent != "" {
		servers = append(servers, agent)
	}
	p.Registry, p.Servers, p.Service = "consul", servers, service
	p.Options = nonEmpty(options)
	p.Credentials = credentialNames(&p.access)
	p.ClientURI = "consul://" + agent + "/" + service
	p.HTTPService = cmp.Or(options["http-service"], service+"-http")
	return ""
}

// planPolaris reads dtm-driver-polaris' target:
// polaris://h1:8091[,h2:8091]/service?namespace=ns&token=…&ttl=5&metadata.k=v.
func planPolaris(p *Plan, target string) string {
	rest, ok := strings.CutPrefix(target, "polaris://")
	if !ok {
		return "the registration target must start with polaris://"
	}
	if strings.ContainsAny(rest, "#@") {
		return "no '#' or userinfo; the token goes in the token parameter"
	}
	rest, query, _ := strings.Cut(rest, "?")
	list, service, ok := strings.Cut(rest, "/")
	if !ok {
		return "no service name after the server addresses"
	}
	hosts := strings.Split(list, ",")
	for _, h := range hosts {
		if !dtmdriver.IsHostPort(h) {
			return "the Polaris server address " + dtmdriver.Quote(h) + " is not host:port"
		}
	}
	if !polarisName(service) {
		return "the service name " + dtmdriver.Quote(service) + " wants letters, digits, '.', '-' and '_'"
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "bad query"
	}
	ns := "default"
	options := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(q)) {
		v := q[k][len(q[k])-1]
		switch {
		case k == "namespace":
			if !polarisName(v) {
				return "the namespace " + dtmdriver.Quote(v) + " wants letters, digits, '.', '-' and '_'"
			}
			ns = v
		case k == "token":
			p.access.token = v
		case k == "http-service":
			if !polarisName(v) {
				return "http-service " + dtmdriver.Quote(v) + " wants letters, digits, '.', '-' and '_'"
			}
			options["http-service"] = v
		case k == "ttl":
			ttl, err := strconv.Atoi(v)
			if err != nil || ttl < 1 || ttl > 3600 {
				return "ttl is a whole number of seconds from 1 to 3600"
			}
			options["ttl"] = v + "s"
		case strings.HasPrefix(k, "metadata.") && len(k) > len("metadata."):
			if !polarisName(strings.TrimPrefix(k, "metadata.")) {
				return "option " + dtmdriver.OptionName(query, k) + ": metadata keys want letters, digits, '.', '-' and '_'"
			}
			options[k] = dtmdriver.Redact(v)
		default:
			return dtmdriver.UnknownOption(query, k)
		}
	}
	p.Registry, p.Servers, p.Service, p.Namespace = "polaris", hosts, service, ns
	p.Options = nonEmpty(options)
	p.Credentials = credentialNames(&p.access)
	p.ClientURI = "polaris://" + service
	if ns != "default" {
		p.ClientURI += "?namespace=" + ns
	}
	p.HTTPService = cmp.Or(options["http-service"], service+"-http")
	return ""
}

// planProtocol1 reads dtm-driver-protocol1's target, a list of dtm's own
// addresses that clients write in their URIs: nothing is registered.
func planProtocol1(p *Plan, target string) string {
	rest, ok := strings.CutPrefix(target, "protocol1://")
	if !ok {
		return "the target must start with protocol1://"
	}
	rest = strings.TrimPrefix(rest, "/")
	if rest == "" || strings.ContainsAny(rest, "/?#@") {
		return "want protocol1://host:port[,host:port...] and nothing else"
	}
	for h := range strings.SplitSeq(rest, ",") {
		if !dtmdriver.IsHostPort(h) {
			return "the address " + dtmdriver.Quote(h) + " is not host:port"
		}
	}
	p.ClientURI = target
	return ""
}

func polarisName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func credentialNames(a *registryAccess) []string {
	names := []string{}
	if a.user != "" {
		names = append(names, "user")
	}
	if a.password != "" {
		names = append(names, "password")
	}
	if a.token != "" {
		names = append(names, "token")
	}
	if a.tls.set() {
		names = append(names, "tls")
	}
	return names
}

func nonEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}
