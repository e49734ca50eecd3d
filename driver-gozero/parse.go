package gozero

import (
	"strings"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"google.golang.org/grpc/resolver"
)

// The branch URI forms, as errors name them.
const (
	anyForm dtmdriver.URIForm = "etcd://host:port[,host:port]/key/package.Service/Method, " +
		"etcd:///host:port[,host:port]/package.Service/Method?key=key (or discov://), " +
		"direct:///host:port[,host:port]/package.Service/Method, " +
		"k8s://namespace/service:port/package.Service/Method or host:port/package.Service/Method"
	etcdForm dtmdriver.URIForm = "etcd://host:port[,host:port]/key/package.Service/Method or " +
		"etcd:///host:port[,host:port]/package.Service/Method?key=key (discov:// alike)"
	directForm dtmdriver.URIForm = "direct:///host:port[,host:port]/package.Service/Method"
	k8sForm    dtmdriver.URIForm = "k8s://namespace/service:port/package.Service/Method"
	plainForm  dtmdriver.URIForm = "host:port/package.Service/Method"
)

// ParseServerMethod splits a branch URI into the server that grpc.Dial takes and
// the method, the last two path segments. It checks the server the way go-zero's
// resolver will read it, so that a URI it cannot resolve fails here, with a reason,
// rather than as a call that never connects. See the package documentation for
// the forms.
func (*driver) ParseServerMethod(uri string) (server, method string, err error) {
	return parseCache.ParseServerMethod(uri)
}

// parseCache remembers recent splits: dtm parses the same few URIs on every
// branch call. parseServerMethod depends on the URI alone.
var parseCache = dtmdriver.NewParseCache(parseServerMethod)

// parseServerMethod is ParseServerMethod without the cache.
func parseServerMethod(uri string) (server, method string, err error) {
	server, method, err = anyForm.Split(uri)
	if err != nil {
		return "", "", err
	}
	if reason := dtmdriver.RefuseCredentials(server); reason != "" {
		return "", "", anyForm.Reject(uri, reason)
	}
	if form, reason := checkServer(server); reason != "" {
		return "", "", form.Reject(uri, reason)
	}
	return server, method, nil
}

// checkServer reports what is wrong with a server that go-zero's resolvers (or
// gRPC's, for other schemes) would read, and the form to name; "" when nothing is.
// It allocates nothing unless it finds a fault: it runs on every branch call.
func checkServer(server string) (dtmdriver.URIForm, string) {
	i := strings.Index(server, "://")
	if i < 0 {
		if !dtmdriver.IsHostPort(server) {
			return plainForm, "the server is not host:port, nor a URI with a scheme"
		}
		return "", ""
	}
	scheme, rest := server[:i], server[i+3:]
	switch scheme {
	case "etcd", "discov":
		return etcdForm, checkEtcd(rest)
	case "direct":
		return directForm, checkDirect(rest)
	case "k8s":
		return k8sForm, checkK8s(rest)
	}
	if resolver.Get(scheme) == nil {
		return anyForm, "no gRPC resolver for scheme " + dtmdriver.Quote(scheme) + "; go-zero's are etcd, discov, direct and k8s"
	}
	return "", "" // another resolver someone registered, such as dns: its business
}

// cutAuthority splits "authority/path?query" (after "scheme://").
func cutAuthority(rest string) (authority, path, query string) {
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		return rest, "", ""
	}
	authority, rest = rest[:end], rest[end:]
	path, query, _ = strings.Cut(rest, "?")
	return authority, path, query
}

// checkEtcd checks what follows "etcd://" as go-zero's etcd resolver reads it: the
// legacy form has the hosts as the authority and the key as the whole path (it
// may hold '/'); the newer one an empty authority, the hosts as the path and the
// key in the query.
func checkEtcd(rest string) string {
	authority, path, query := cutAuthority(rest)
	if reason := checkQuery(query); reason != "" {
		return reason
	}
	if authority != "" {
		if reason := checkList(authority, "etcd host"); reason != "" {
			return reason
		}
		if strings.Trim(path, "/") == "" {
			return "no etcd key after the hosts"
		}
		return ""
	}
	hosts := strings.TrimPrefix(path, "/")
	if strings.IndexByte(hosts, '/') >= 0 {
		return "with an empty authority (etcd:///) the path holds only the hosts; put the key in ?key="
	}
	if reason := checkList(hosts, "etcd host"); reason != "" {
		return reason
	}
	if !hasKey(query) {
		return "no etcd key: with an empty authority (etcd:///) the key goes in ?key="
	}
	return ""
}

// checkQuery refuses the registration target's account and TLS parameters in a
// branch URI, in any case (dtmdriver.RefuseCredentials has refused secrets).
// go-zero's resolver reads only "key".
func checkQuery(query string) string {
	for query != "" {
		var param string
		param, query, _ = strings.Cut(query, "&")
		name, _, _ := strings.Cut(param, "=")
		for _, target := range []string{"user", "username", "certFile", "certKeyFile", "caCertFile", "insecureSkipVerify"} {
			if strings.EqualFold(name, target) {
				return "an account or TLS setting in a branch URI (dtm stores and logs it): " +
					"configure it in the driver instead"
			}
		}
	}
	return ""
}

// hasKey reports whether a query has a non-empty "key" parameter.
func hasKey(query string) bool {
	for query != "" {
		var param string
		param, query, _ = strings.Cut(query, "&")
		if v, ok := strings.CutPrefix(param, "key="); ok && v != "" {
			return true
		}
	}
	return false
}

// checkList checks a comma-separated list: not empty, no empty element.
func checkList(list, what string) string {
	if list == "" {
		return "no " + what
	}
	if list[0] == ',' || list[len(list)-1] == ',' || strings.Contains(list, ",,") {
		return "an empty " + what + " in the list"
	}
	return ""
}

// checkDirect checks what follows "direct://": go-zero takes the endpoints from the
// path and ignores the authority.
func checkDirect(rest string) string {
	_, path, query := cutAuthority(rest)
	if query != "" {
		return "a query, which the direct resolver does not read"
	}
	endpoints := strings.Trim(path, "/")
	if strings.IndexByte(endpoints, '/') >= 0 {
		return "more than one path segment before the method"
	}
	if endpoints == "" {
		return "no endpoints: the direct resolver reads them from the path (direct:///host:port)"
	}
	return checkList(endpoints, "endpoint")
}

// checkK8s checks what follows "k8s://": the namespace, then "service[:port]".
func checkK8s(rest string) string {
	_, path, query := cutAuthority(rest)
	if query != "" {
		return "a query, which the k8s resolver does not read"
	}
	svc := strings.Trim(path, "/")
	if strings.IndexByte(svc, '/') >= 0 {
		return "more than one path segment before the method"
	}
	name, port, hasPort := strings.Cut(svc, ":")
	switch {
	case name == "":
		return "no service name"
	case hasPort && !isPort(port):
		return "the port is not a number"
	}
	return ""
}

func isPort(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
