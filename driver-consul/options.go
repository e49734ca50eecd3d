package consul

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// resolveOptions are the query options of a branch server.
type resolveOptions struct {
	passingOnly       bool
	tags              []string
	dc, near          string
	wait, maxBackoff  time.Duration
	limit             int
	allowStale        bool
	requireConsistent bool
}

const (
	defaultWait       = 30 * time.Second
	maxWait           = 10 * time.Minute // Consul's own limit
	defaultMaxBackoff = 5 * time.Second
	minBackoff        = 50 * time.Millisecond
)

func defaultResolveOptions() resolveOptions {
	return resolveOptions{passingOnly: true, wait: defaultWait, maxBackoff: defaultMaxBackoff}
}

// resolveKeys lists the options for error messages.
const resolveKeys = "healthy, tag, dc (or datacenter), wait, near, limit, allow-stale, require-consistent, max-backoff, timeout"

// setResolveOption checks one option of query and, when o is not nil, applies
// it. It returns what is wrong, or "". Without o it allocates only for an
// error or a percent-encoded value.
func setResolveOption(o *resolveOptions, query, key, raw string) string {
	value, err := url.QueryUnescape(raw)
	if err != nil {
		return "option " + dtmdriver.OptionName(query, key) + " has a malformed value"
	}
	switch key {
	case "healthy":
		b, err := strconv.ParseBool(value)
		if err != nil {
			return "option healthy wants true or false"
		}
		if o != nil {
			o.passingOnly = b
		}
	case "tag":
		if value == "" {
			return "option tag is empty"
		}
		if o != nil {
			o.tags = append(o.tags, value)
		}
	case "dc", "datacenter":
		if o != nil {
			o.dc = value
		}
	case "near":
		if o != nil {
			o.near = value
		}
	case "wait":
		d, err := time.ParseDuration(value)
		if err != nil || d < time.Second || d > maxWait {
			return "option wait wants a duration from 1s to 10m"
		}
		if o != nil {
			o.wait = d
		}
	case "max-backoff":
		d, err := time.ParseDuration(value)
		if err != nil || d < minBackoff {
			return "option max-backoff wants a duration of at least 50ms"
		}
		if o != nil {
			o.maxBackoff = d
		}
	case "limit":
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 {
			return "option limit wants a number >= 0"
		}
		if o != nil {
			o.limit = n
		}
	case "allow-stale", "require-consistent":
		b, err := strconv.ParseBool(value)
		if err != nil {
			return "option " + key + " wants true or false"
		}
		if o != nil && key == "allow-stale" {
			o.allowStale = b
		} else if o != nil {
			o.requireConsistent = b
		}
	case "timeout":
		// Accepted for go-zero URIs and ignored: each blocking query is bounded
		// by its wait time plus a margin.
		if _, err := time.ParseDuration(value); err != nil {
			return "option timeout wants a duration"
		}
	case "token":
		return "an ACL token does not belong in a branch URI (dtm stores and logs them): " +
			"configure it in the registration target, CONSUL_HTTP_TOKEN or consul.WithToken"
	case "insecure":
		return "TLS is configured through the environment (CONSUL_HTTP_SSL, CONSUL_CACERT, CONSUL_HTTP_SSL_VERIFY) " +
			"or consul.WithConfig, not in a branch URI"
	default:
		return dtmdriver.UnknownOption(query, key) + "; known: " + resolveKeys
	}
	return ""
}

func parseResolveOptions(query string) (resolveOptions, string) {
	o := defaultResolveOptions()
	reason := checkQuery(query, func(k, v string) string { return setResolveOption(&o, query, k, v) })
	return o, reason
}

// registrationOptions are the query options of a registration target.
type registrationOptions struct {
	tags            []string
	token           string
	id              string
	check           string // "tcp" or "grpc"
	interval        time.Duration
	timeout         time.Duration
	deregisterAfter time.Duration
	httpService     string // the service RegisterHTTPService publishes; "" means <service>-http
}

const (
	defaultInterval        = 10 * time.Second
	defaultCheckTimeout    = 5 * time.Second
	defaultDeregisterAfter = time.Minute // Consul's minimum
)

const registrationKeys = "tags (or tag), token, id, check, interval, timeout, deregister-after, http-service"

// setRegistrationOption checks one registration option of query and, when o is not
// nil, applies it.
func setRegistrationOption(o *registrationOptions, query, key, raw string) string {
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
			if o != nil {
				o.tags = append(o.tags, tag)
			}
		}
	case "token":
		if o != nil {
			o.token = value
		}
	case "id":
		if value == "" || strings.ContainsAny(value, "/?#") {
			return "option id wants a non-empty ID without '/', '?' or '#'"
		}
		if o != nil {
			o.id = value
		}
	case "check":
		if value != "tcp" && value != "grpc" {
			return "option check wants tcp or grpc"
		}
		if o != nil {
			o.check = value
		}
	case "http-service":
		if value == "" || strings.ContainsAny(value, "/?#;") {
			return "option http-service wants a Consul service name without '/', '?', '#' or ';'"
		}
		if o != nil {
			o.httpService = value
		}
	case "interval", "timeout", "deregister-after":
		d, err := time.ParseDuration(value)
		if err != nil || d <= 0 {
			return "option " + key + " wants a positive duration"
		}
		if o != nil {
			switch key {
			case "interval":
				o.interval = d
			case "timeout":
				o.timeout = d
			default:
				o.deregisterAfter = d
			}
		}
	default:
		return dtmdriver.UnknownOption(query, key) + "; known: " + registrationKeys
	}
	return ""
}

func parseRegistrationOptions(query string) (registrationOptions, string) {
	o := registrationOptions{check: "tcp", interval: defaultInterval, deregisterAfter: defaultDeregisterAfter}
	reason := checkQuery(query, func(k, v string) string { return setRegistrationOption(&o, query, k, v) })
	if o.timeout == 0 {
		o.timeout = min(defaultCheckTimeout, o.interval)
	}
	return o, reason
}
