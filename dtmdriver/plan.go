package dtmdriver

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
)

// Planner is implemented by drivers that can read a registration target
// (MicroService.Target) without contacting anything, and say what
// RegisterGrpcService would register and where. It is optional: dtm never
// calls it. Tools call it (the dtmdriver command's check), so that they read a
// target exactly as the driver does, with the driver's own parser and errors.
//
// PlanRegistration returns one [Registration] per registry the target names
// (a composite driver's target names several), or, for every target whose
// form RegisterGrpcService refuses, an error wrapping [ErrBadURI] that says
// what is wrong and the expected form. An empty target plans nothing and is
// no error. It must not dial, read files, block or log: what only the
// registry can refuse (a wrong credential) is left to RegisterGrpcService.
type Planner interface {
	PlanRegistration(target string) ([]Registration, error)
}

// Plan returns what d would register under target, or false if d does not
// implement [Planner].
func Plan(d Driver, target string) ([]Registration, bool, error) {
	p, ok := d.(Planner)
	if !ok {
		return nil, false, nil
	}
	regs, err := p.PlanRegistration(target)
	return regs, true, err
}

// Registration is one registration a driver would make for a target: read
// from the target alone.
type Registration struct {
	// Driver is the name of the driver that makes it (the composite driver
	// names the driver each of its targets goes to).
	Driver string `json:"driver"`
	// Target is the registration target this registration comes from
	// (one of a composite driver's), redacted.
	Target string `json:"target"`
	// Registry is the kind of registry ("etcd", "consul", "polaris"), or ""
	// when the driver keeps no registry (a static list of addresses).
	Registry string `json:"registry"`
	// Servers are the registry's addresses, as the target names them; none
	// means the client library's default (Consul: the local agent, or
	// CONSUL_HTTP_ADDR).
	Servers []string `json:"servers"`
	// Service is the service name, or the etcd key, dtm goes under.
	Service string `json:"service,omitempty"`
	// Namespace is the service's namespace, where the registry has them.
	Namespace string `json:"namespace,omitempty"`
	// Options are the target's other settings (tags, id, ttl, check, …), in
	// the target's own names, values redacted.
	Options map[string]string `json:"options,omitempty"`
	// ClientURI is the server part of the branch URI through which a client
	// app reaches dtm once it is registered.
	ClientURI string `json:"client_uri,omitempty"`
	// HTTPService is where RegisterHTTPService publishes dtm's HTTP endpoint,
	// for drivers that implement [HTTPRegistrar]; "" otherwise.
	HTTPService string `json:"http_service,omitempty"`
	// HTTPOptions are the settings of that HTTP registration where they
	// differ from Options (Consul checks it over HTTP, under its own ID); nil
	// means the same as Options.
	HTTPOptions map[string]string `json:"http_options,omitempty"`
	// Credentials are those the target carries, to reach the registry. They
	// print, log and marshal as the names of the settings present only.
	Credentials Credentials `json:"credentials"`
}

// Credentials are the registry credentials a registration target carries.
// Printed with fmt, logged with log/slog or marshalled to JSON they show the
// names of the settings present ("user", "password", "token", "tls"), never
// their values; read the fields to use them.
type Credentials struct {
	User, Password string // etcd
	Token          string // Consul ACL, Polaris
	// CertFile, KeyFile and CAFile are the client TLS files (etcd).
	CertFile, KeyFile, CAFile string
	InsecureSkipVerify        bool
}

// Names returns the names of the settings present: "user", "password",
// "token", "tls", in that order; an empty, non-nil slice when none is.
func (c Credentials) Names() []string {
	names := []string{}
	for _, s := range []struct {
		name string
		set  bool
	}{
		{"user", c.User != ""},
		{"password", c.Password != ""},
		{"token", c.Token != ""},
		{"tls", c.CertFile != "" || c.KeyFile != "" || c.CAFile != "" || c.InsecureSkipVerify},
	} {
		if s.set {
			names = append(names, s.name)
		}
	}
	return names
}

// Secrets returns the secret values (password, token), each also as a query
// and a path would escape it, for scrubbing text written by others (a
// registry client library's errors) before it is shown.
func (c Credentials) Secrets() []string {
	var s []string
	for _, v := range []string{c.Password, c.Token} {
		if v != "" {
			s = append(s, v, url.QueryEscape(v), url.PathEscape(v))
		}
	}
	return s
}

// String returns "credentials: " and the names of the settings present, or
// "no credentials".
func (c Credentials) String() string {
	names := c.Names()
	if len(names) == 0 {
		return "no credentials"
	}
	return "credentials: " + strings.Join(names, ", ")
}

// Format prints [Credentials.String] for every verb, %#v and %+v included,
// so that a Registration printed whole shows no secret.
func (c Credentials) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// LogValue logs the names of the settings present.
func (c Credentials) LogValue() slog.Value { return slog.AnyValue(c.Names()) }

// MarshalJSON writes the names of the settings present, a JSON array.
func (c Credentials) MarshalJSON() ([]byte, error) { return json.Marshal(c.Names()) }
