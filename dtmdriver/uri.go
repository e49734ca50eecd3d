package dtmdriver

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrBadURI is the error every malformed branch URI or registration target wraps:
// test for it with errors.Is. The concrete type is *[URIError].
var ErrBadURI = errors.New("malformed URI")

// URIError reports a URI that a driver could not use: what was wrong and which form
// was expected. URI holds the input with credentials redacted (see [Redact]).
type URIError struct {
	URI    string // the input, redacted and shortened for display
	Reason string // what was wrong
	Want   string // the form that was expected
}

func (e *URIError) Error() string {
	if e.Want == "" {
		return fmt.Sprintf("bad URI %q: %s", e.URI, e.Reason)
	}
	return fmt.Sprintf("bad URI %q: %s; want %s", e.URI, e.Reason, e.Want)
}

// Unwrap makes errors.Is(err, ErrBadURI) true.
func (e *URIError) Unwrap() error { return ErrBadURI }

// URIForm is the form of URI a driver accepts, written for people, such as
// "protocol1://host:port[,host:port]/package.Service/Method". Drivers keep one per
// kind of URI and use it to split branch URIs and to build errors that name the form.
type URIForm string

// GenericForm is the form every branch URI shares: a server, then the gRPC method as
// the last two path segments.
const GenericForm URIForm = "server/package.Service/Method"

// Reject returns a *URIError for uri that names the reason and the expected form.
// The URI is redacted; the reason must not contain credentials.
func (f URIForm) Reject(uri, reason string) error {
	return &URIError{URI: displayURI(uri), Reason: reason, Want: string(f)}
}

// SplitMethod splits uri with [GenericForm]; see [URIForm.Split].
func SplitMethod(uri string) (server, method string, err error) {
	return GenericForm.Split(uri)
}

// Split splits a branch URI into its server and its gRPC method.
//
// The method is always the last two path segments, "/package.Service/Method";
// everything before it is the server. A query belongs to the server wherever it
// stands: before the method ("consul://h:8500/svc?wait=14s/pkg.Svc/Method", the form
// go-zero documents) or at the end ("etcd:///h:2379/pkg.Svc/Method?key=trans.rpc",
// which yields the server "etcd:///h:2379?key=trans.rpc"). A query stands before the
// method when both of the method's slashes come after the first '?'; so a '/' inside
// a query value at the end must be written %2F.
//
// Split allocates only when it moves a trailing query onto the server. It never
// panics; its errors are *URIError values naming f as the expected form.
func (f URIForm) Split(uri string) (server, method string, err error) {
	server, method, _, reason := split(uri)
	if reason != "" {
		return "", "", f.Reject(uri, reason)
	}
	return server, method, nil
}

// special marks the bytes split's scan stops at: '/', '?', '#', and those a URI
// must not hold raw (space, control characters, non-ASCII).
var special = func() (t [256]uint8) {
	for c := range t {
		if c <= ' ' || c >= 0x7f || c == '/' || c == '?' || c == '#' {
			t[c] = 1
		}
	}
	return t
}()

// SplitScheme splits a branch URI as [URIForm.Split] does, for a driver of one
// scheme: rest is the server after "scheme://". A URI without a scheme whose
// server is a single host:port names that server directly, as the default
// driver takes it, so that direct addresses keep working beside the driver's
// own; it comes back with rest empty. Any other server is refused. It costs
// what Split costs.
func (f URIForm) SplitScheme(uri, scheme string) (server, method, rest string, err error) {
	server, method, schemeEnd, reason := split(uri)
	switch {
	case reason != "":
	case schemeEnd == 0 && IsHostPort(server):
		return server, method, "", nil
	case schemeEnd == 0 || uri[:schemeEnd-3] != scheme:
		reason = "the scheme must be " + scheme + ", or none before a single host:port"
	default:
		return server, method, server[schemeEnd:], nil
	}
	return "", "", "", f.Reject(uri, reason)
}

// split is Split without the error value: reason says what is wrong, and
// schemeEnd is the index just past "scheme://", or 0 when the URI has no scheme.
// One pass over the bytes finds what the rest needs; it runs on every branch call.
func split(uri string) (server, method string, schemeEnd int, reason string) {
	if uri == "" {
		return "", "", 0, "empty URI"
	}
	firstQuery, lastQuery, firstSlash := -1, -1, -1
	for i := 0; i < len(uri); i++ {
		c := uri[i]
		if special[c] == 0 {
			continue
		}
		switch {
		case c == '?':
			if firstQuery < 0 {
				firstQuery = i
			}
			lastQuery = i
		case c == '/':
			if firstSlash < 0 {
				firstSlash = i
			}
		case c == '#':
			return "", "", 0, "'#' at offset " + strconv.Itoa(i) + ": a branch URI has no fragment"
		default:
			return "", "", 0, "space, control character or non-ASCII byte at offset " + strconv.Itoa(i) + " (percent-encode it)"
		}
	}
	if s := firstSlash; s > 0 && uri[s-1] == ':' && s+1 < len(uri) && uri[s+1] == '/' {
		if s == 1 {
			return "", "", 0, "empty scheme before \"://\""
		}
		schemeEnd = s + 2
	}

	body, query := uri, ""
	last := strings.LastIndexByte(body, '/')
	cut := strings.LastIndexByte(body[:max(last, 0)], '/')
	if firstQuery >= 0 && cut < firstQuery {
		// The query is not before the method: it ends the URI, or a query value
		// swallowed a method slash. Either way the method precedes the '?'.
		body, query = uri[:firstQuery], uri[firstQuery:]
		last = strings.LastIndexByte(body, '/')
		cut = strings.LastIndexByte(body[:max(last, 0)], '/')
	} else if lastQuery > cut {
		return "", "", 0, "'?' inside the gRPC method"
	}
	switch {
	case last < 0 || cut < schemeEnd:
		return "", "", 0, "no gRPC method (the last two path segments, /package.Service/Method)"
	case cut == schemeEnd || (schemeEnd == 0 && cut == 0):
		return "", "", 0, "empty server before the gRPC method"
	case last == cut+1 || last == len(body)-1:
		return "", "", 0, "empty service or method name in the gRPC method"
	case body[0] == '?' || (schemeEnd > 0 && body[schemeEnd] == '?'):
		return "", "", 0, "empty server before its query"
	}
	server, method = body[:cut], body[cut:]
	if query != "" {
		server += query
	}
	return server, method, schemeEnd, ""
}

// Scheme returns the scheme of a server or URI ("etcd" for "etcd://h:2379/key"), or
// "" when it has none ("host:port").
func Scheme(s string) string {
	i := strings.Index(s, "://")
	if i <= 0 || strings.IndexByte(s[:i], '/') >= 0 {
		return ""
	}
	return s[:i]
}

// maxDisplayLen bounds the URI quoted in an error, so that a huge input does not
// make a huge error or log line.
const maxDisplayLen = 200

func displayURI(uri string) string {
	r := Redact(uri)
	if len(r) > maxDisplayLen {
		return r[:maxDisplayLen] + "…"
	}
	return r
}

// redacted replaces a secret in [Redact]'s output.
const redacted = "xxxxx"

// Redact returns uri with its credentials replaced by "xxxxx": the password of a
// "user:password@" userinfo (or the whole userinfo when it has no colon, as a bare
// token), and the value of every query parameter whose name suggests a secret
// (password, passwd, pwd, token, secret, credential, apikey and names containing
// them, in any case). It works on malformed input too, where url.URL.Redacted
// cannot, and never fails.
func Redact(uri string) string {
	var b strings.Builder
	rest := uri
	// Userinfo: "scheme://user:pass@host" before the first '/', '?' after "://".
	if i := strings.Index(rest, "://"); i >= 0 {
		auth := rest[i+3:]
		end := strings.IndexAny(auth, "/?#")
		if end < 0 {
			end = len(auth)
		}
		if at := strings.LastIndexByte(auth[:end], '@'); at >= 0 {
			b.WriteString(rest[:i+3])
			if user, _, ok := strings.Cut(auth[:at], ":"); ok {
				b.WriteString(user)
				b.WriteByte(':')
			}
			b.WriteString(redacted)
			rest = auth[at:]
		}
	}
	// Query parameters: from the first '?', each runs to the next '&', '?' or
	// '#'. Not to '/': a value may hold one (a file path; a query that stands
	// before the method), and a secret's whole value is hidden.
	q := strings.IndexByte(rest, '?')
	if q < 0 {
		b.WriteString(rest)
		return b.String()
	}
	b.WriteString(rest[:q+1])
	rest = rest[q+1:]
	for {
		end := strings.IndexAny(rest, "&?#")
		if end < 0 {
			end = len(rest)
		}
		param := rest[:end]
		if key, _, ok := strings.Cut(param, "="); ok && secretKey(key) {
			b.WriteString(key)
			b.WriteByte('=')
			b.WriteString(redacted)
		} else {
			b.WriteString(param)
		}
		rest = rest[end:]
		if rest == "" || rest[0] == '#' {
			b.WriteString(rest)
			return b.String()
		}
		b.WriteByte(rest[0])
		rest = rest[1:]
	}
}

var secretWords = []string{"pass", "pwd", "token", "secret", "credential", "apikey", "api_key", "auth"}

func secretKey(key string) bool {
	k := strings.ToLower(key)
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}
