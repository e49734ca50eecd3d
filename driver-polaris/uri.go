package polaris

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// Forms for error messages: each names what a caller should have written.
const (
	branchForm dtmdriver.URIForm = "polaris://service[?namespace=ns]/package.Service/Method, " +
		"polaris://service/package.Service/Method[?namespace=ns], " +
		"polaris://service?options=<base64url JSON>/package.Service/Method or host:port/package.Service/Method"
	targetForm dtmdriver.URIForm = "polaris://host:port[,host:port]/service[?namespace=ns&token=t&ttl=seconds&metadata.key=value&http-service=name] (or empty)"
	serverForm dtmdriver.URIForm = "polaris://service[?namespace=ns&metadata.key=value] or polaris://service?options=<base64url JSON>"
)

// ParseServerMethod splits a branch URI into the gRPC target the resolver
// understands and the method. "polaris://svc/pkg.Svc/M?namespace=ns" becomes
// "polaris://svc?namespace=ns" and "/pkg.Svc/M". It checks the service name and
// the query cheaply and allocates only when a trailing query moves onto the
// server; the base64 options of grpc-go-polaris are decoded by the resolver.
func (*driver) ParseServerMethod(uri string) (server, method string, err error) {
	return parseCache.ParseServerMethod(uri)
}

// parseCache remembers recent splits: dtm parses the same few URIs on every
// branch call. parseServerMethod depends on the URI alone.
var parseCache = dtmdriver.NewParseCache(parseServerMethod)

// parseServerMethod is ParseServerMethod without the cache.
func parseServerMethod(uri string) (server, method string, err error) {
	// No scheme names one server directly (rest is empty), as with the default driver.
	server, method, rest, err := branchForm.SplitScheme(uri, Scheme)
	if err != nil {
		return "", "", err
	}
	if reason := dtmdriver.RefuseCredentials(server); reason != "" {
		return "", "", branchForm.Reject(uri, reason+" (set "+EnvToken+", call Configure, or put it in dtm's registration target)")
	}
	if rest == "" {
		return server, method, nil
	}
	if reason := checkServer(rest); reason != "" {
		return "", "", branchForm.Reject(uri, reason)
	}
	return server, method, nil
}

// checkServer returns what is wrong with "service[/][?query]", the part of a
// server after "polaris://", or "".
func checkServer(s string) string {
	service, query, _ := strings.Cut(s, "?")
	service = strings.TrimSuffix(service, "/") // "polaris://svc/?options=…", upstream's form
	if reason := checkName("service name", service); reason != "" {
		return reason
	}
	return checkQuery(query)
}

// nameByte marks the bytes a Polaris service name or namespace may hold here:
// letters, digits, '.', '-' and '_' (they stand as a URL host).
var nameByte = func() (t [256]bool) {
	for c := range t {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_'
	}
	return t
}()

func checkName(what, s string) string {
	if s == "" {
		return "empty " + what
	}
	for i := 0; i < len(s); i++ {
		if !nameByte[s[i]] {
			if strings.IndexByte(s, '@') >= 0 {
				return "userinfo before the service name: branch URIs carry no credentials"
			}
			// The name is not quoted: it may hold a credential.
			return what + " holds " + strconv.QuoteRune(rune(s[i])) +
				" (letters, digits, '.', '-' and '_' only)"
		}
	}
	return ""
}

// checkQuery checks "k=v&k=v": known keys, well-formed escapes, base64url
// options. It names keys in its reasons only through dtmdriver.OptionName,
// never values.
func checkQuery(q string) string {
	all := q
	for q != "" {
		var param string
		param, q, _ = strings.Cut(q, "&")
		key, value, _ := strings.Cut(param, "=")
		switch {
		case key == "namespace":
			if reason := checkName("namespace", value); reason != "" {
				return reason
			}
		case key == "options":
			if reason := checkBase64(value); reason != "" {
				return reason
			}
		case strings.HasPrefix(key, metaPrefix) && len(key) > len(metaPrefix):
			if !validEscapes(key) || !validEscapes(value) {
				return "bad percent-escape in parameter " + dtmdriver.OptionName(all, key)
			}
		case dtmdriver.Redact("?"+key+"=x") != "?"+key+"=x":
			return "parameter " + dtmdriver.OptionName(all, key) + " is a credential: branch URIs carry none " +
				"(set " + EnvToken + ", call Configure, or put it in dtm's registration target)"
		case key == "":
			return "empty query parameter"
		default:
			return dtmdriver.UnknownOption(all, key) + " (want namespace, options or " + metaPrefix + "<key>)"
		}
	}
	return ""
}

// metaPrefix starts the query parameters that filter instances by metadata.
const metaPrefix = "metadata."

func checkBase64(s string) string {
	if s == "" {
		return "empty options"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '=') {
			return "options is not base64url (as grpc-go-polaris writes it)"
		}
	}
	return ""
}

func validEscapes(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 2
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// dialOptions is the part of grpc-go-polaris' options JSON the resolver honours.
type dialOptions struct {
	Namespace   string            `json:"Namespace"`
	DstMetadata map[string]string `json:"dst_metadata"`
}

// serviceTarget is what a resolver watches: a service in a namespace, and the
// metadata its instances must carry.
type serviceTarget struct {
	namespace, service string
	metadata           map[string]string
}

func (t serviceTarget) String() string { return t.namespace + "/" + t.service }

// parseTarget reads a gRPC target in the form ParseServerMethod returns, or
// grpc-go-polaris writes. The namespace parameter wins over the options' one.
func parseTarget(u url.URL) (serviceTarget, error) {
	raw := u.String()
	if u.Path != "" && u.Path != "/" {
		return serviceTarget{}, serverForm.Reject(raw, "a path after the service name")
	}
	t := serviceTarget{service: u.Host, namespace: DefaultNamespace}
	if reason := checkName("service name", t.service); reason != "" {
		return serviceTarget{}, serverForm.Reject(raw, reason)
	}
	if reason := checkQuery(u.RawQuery); reason != "" {
		return serviceTarget{}, serverForm.Reject(raw, reason)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return serviceTarget{}, serverForm.Reject(raw, "bad query")
	}
	if o := q.Get("options"); o != "" {
		opts, reason := decodeOptions(o)
		if reason != "" {
			return serviceTarget{}, serverForm.Reject(raw, reason)
		}
		if opts.Namespace != "" {
			t.namespace = opts.Namespace
		}
		t.metadata = opts.DstMetadata
	}
	if ns := q.Get("namespace"); ns != "" {
		t.namespace = ns
	}
	for k, v := range q {
		if key, ok := strings.CutPrefix(k, metaPrefix); ok {
			if t.metadata == nil {
				t.metadata = map[string]string{}
			}
			t.metadata[key] = v[0]
		}
	}
	return t, nil
}

func decodeOptions(s string) (dialOptions, string) {
	var opts dialOptions
	b, err := base64.URLEncoding.DecodeString(s)
	if err != nil {
		if b, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "=")); err != nil {
			return opts, "options is not base64url"
		}
	}
	if err := json.Unmarshal(b, &opts); err != nil {
		return opts, "options is not the JSON grpc-go-polaris writes"
	}
	return opts, ""
}

// registrationTarget is dtm's MicroService.Target, parsed.
type registrationTarget struct {
	server   serverConfig
	service  string
	ns       string
	ttl      int // seconds
	metadata map[string]string
	// httpService is the service RegisterHTTPService publishes under; ""
	// means service + "-http".
	httpService string
}

// DefaultTTL is the heartbeat TTL of dtm's registration, in seconds, when the
// target names none; grpc-go-polaris registers with the same.
const DefaultTTL = 5

// maxTTL bounds the ttl parameter: a larger value is a mistake in units (the
// upstream driver passed 5e9, nanoseconds).
const maxTTL = 3600

func parseRegistrationTarget(target string) (registrationTarget, error) {
	rest, ok := strings.CutPrefix(target, prefix)
	if !ok {
		return registrationTarget{}, targetForm.Reject(target, "the registration target must start with "+prefix)
	}
	if strings.ContainsAny(rest, "#@") {
		return registrationTarget{}, targetForm.Reject(target, "no '#' or userinfo; the token goes in the token parameter")
	}
	rest, query, _ := strings.Cut(rest, "?")
	hosts, service, ok := strings.Cut(rest, "/")
	if !ok {
		return registrationTarget{}, targetForm.Reject(target, "no service name after the server addresses")
	}
	r := registrationTarget{service: service, ns: DefaultNamespace, ttl: DefaultTTL}
	addrs, reason := splitAddrs(hosts)
	if reason != "" {
		return registrationTarget{}, targetForm.Reject(target, reason)
	}
	r.server.addrs = addrs
	if reason := checkName("service name", service); reason != "" {
		return registrationTarget{}, targetForm.Reject(target, reason)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return registrationTarget{}, targetForm.Reject(target, "bad query")
	}
	for k, v := range q {
		val := v[len(v)-1]
		switch {
		case k == "namespace":
			if reason := checkName("namespace", val); reason != "" {
				return registrationTarget{}, targetForm.Reject(target, reason)
			}
			r.ns = val
		case k == "token":
			r.server.token = val
		case k == "http-service":
			if reason := checkName("http-service", val); reason != "" {
				return registrationTarget{}, targetForm.Reject(target, reason)
			}
			r.httpService = val
		case k == "ttl":
			ttl, err := strconv.Atoi(val)
			if err != nil || ttl < 1 || ttl > maxTTL {
				return registrationTarget{}, targetForm.Reject(target,
					fmt.Sprintf("ttl is a whole number of seconds from 1 to %d", maxTTL))
			}
			r.ttl = ttl
		case strings.HasPrefix(k, metaPrefix) && len(k) > len(metaPrefix):
			if r.metadata == nil {
				r.metadata = map[string]string{}
			}
			r.metadata[k[len(metaPrefix):]] = val
		default:
			return registrationTarget{}, targetForm.Reject(target, dtmdriver.UnknownOption(query, k))
		}
	}
	return r, nil
}

// splitAddrs splits a comma-separated host:port list.
func splitAddrs(list string) ([]string, string) {
	if list == "" {
		return nil, "no Polaris server address"
	}
	var addrs []string
	for addr := range strings.SplitSeq(list, ",") {
		addr = strings.TrimSpace(addr)
		if !dtmdriver.IsHostPort(addr) {
			return nil, "Polaris server address " + dtmdriver.Quote(addr) + " is not host:port"
		}
		addrs = append(addrs, addr)
	}
	return addrs, ""
}
