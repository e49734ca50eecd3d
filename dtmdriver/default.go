package dtmdriver

import "strings"

// DefaultName is the name of the default driver, the one [GetDriver] returns
// before [Use].
const DefaultName = "default"

// defaultForm is the only branch URI form the default driver takes.
const defaultForm URIForm = "host:port/package.Service/Method"

// defaultDriver is dtm's behaviour without a microservice framework: branch URIs
// name the gRPC server directly, and dtm registers itself nowhere.
type defaultDriver struct{}

var _ Driver = defaultDriver{}

func (defaultDriver) GetName() string { return DefaultName }

// RegisterGrpcResolver registers nothing: host:port needs gRPC's own resolvers only.
func (defaultDriver) RegisterGrpcResolver() {}

// RegisterGrpcService does nothing: without a registry, clients are configured with
// dtm's address directly.
func (defaultDriver) RegisterGrpcService(target, endpoint string) error { return nil }

// defaultCache holds the default driver's recent splits.
var defaultCache = NewParseCache(parseDefault)

// ParseServerMethod splits "host:port/package.Service/Method" into "host:port" and
// "/package.Service/Method". A URI with a scheme needs the driver for that scheme.
// Splits are remembered in a [ParseCache].
func (defaultDriver) ParseServerMethod(uri string) (server, method string, err error) {
	return defaultCache.ParseServerMethod(uri)
}

// parseDefault is the default driver's ParseServerMethod without the cache.
func parseDefault(uri string) (server, method string, err error) {
	server, method, schemeEnd, reason := split(uri)
	switch {
	case reason != "":
	case schemeEnd > 0:
		reason = "scheme " + Quote(uri[:schemeEnd-3]) + " needs a driver: " +
			"import the driver for it and call dtmdriver.Use with its name"
	case RefuseCredentials(server) != "":
		reason = RefuseCredentials(server)
	case !IsHostPort(server):
		reason = "the server is not a single host:port"
	}
	if reason != "" {
		return "", "", defaultForm.Reject(uri, reason)
	}
	return server, method, nil
}

// IsHostPort reports whether s is "host:port" or "[ipv6]:port" with a non-empty
// host free of userinfo and a numeric port of at most five digits. It is the
// cheap check drivers make on dtm's hot path where net.SplitHostPort would cost
// more; it does not resolve names.
func IsHostPort(s string) bool {
	colon := strings.LastIndexByte(s, ':')
	if colon <= 0 || colon == len(s)-1 || len(s)-colon-1 > 5 {
		return false
	}
	for i := colon + 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	host := s[:colon]
	if host[0] == '[' {
		if len(host) < 3 || host[len(host)-1] != ']' {
			return false
		}
		host = host[1 : len(host)-1]
		for i := 0; i < len(host); i++ {
			if c := host[i]; c == '[' || c == ']' || c == '/' || c == '?' || c == '@' {
				return false
			}
		}
		return true
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; c == ':' || c == '[' || c == ']' || c == '/' || c == '?' || c == '@' {
			return false
		}
	}
	return true
}
