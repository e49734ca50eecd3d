package dtmdriver

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrBadURI is the error every malformed branch URI or registration target wraps:
// test for it with errors.Is. The concrete type is *[URIError].
var ErrBadURI = errors.New("malformed URI")

// URIError reports a URI that a driver could not use: what was wrong and which form
// was expected. URI holds the input with credentials redacted (see [Redact]).
type URIError struct {
	URI    string // the input, redacted, escaped and shortened for display
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
// The URI is redacted (see [Redact]) and both are cut short; the reason must
// quote input only through [Quote] and [OptionName].
func (f URIForm) Reject(uri, reason string) error {
	return &URIError{URI: displayURI(uri), Reason: bound(reason, maxReasonLen), Want: string(f)}
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
// Split refuses a server that gRPC's Dial could not parse as a URL (a bad
// %-escape, a port that is not a number, a byte a host may not hold): Dial would
// take it for a passthrough address. It allocates only when it moves a trailing
// query onto the server, or when the server holds '%', '@', '[' or another byte
// that calls for net/url's own check. It never panics; its errors are *URIError
// values naming f as the expected form, and are short whatever the input.
func (f URIForm) Split(uri string) (server, method string, err error) {
	server, method, _, reason := split(uri)
	if reason != "" {
		return "", "", f.Reject(uri, reason)
	}
	return server, method, nil
}

// special classifies the bytes split's scan stops at: 1 for '/', '?', '#' and
// those a URI must not hold raw (space, control characters, non-ASCII); 2 for
// those that may make net/url, and so gRPC, refuse a server ('%', '@', '[',
// ']' and the bytes a host may not hold), which call for [parsesAsGRPC]; 3 for
// '=', which a parameter with a secret's name needs.
var special = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c <= ' ' || c >= 0x7f || c == '/' || c == '?' || c == '#':
			t[c] = 1
		case c == '=':
			t[c] = 3
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9':
		case strings.IndexByte("-._~!$&'()*+,;:", byte(c)) >= 0:
		default:
			t[c] = 2
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
// It runs on every branch call: a URI of the common shape is scanned 8 bytes at
// a time (scanPlain), any other byte by byte (scanBytes); both find the same
// positions, and the checks after are the same.
func split(uri string) (server, method string, schemeEnd int, reason string) {
	return splitScan(uri, true)
}

// splitScan is split, with the 8-byte scan or without it: the tests compare
// the two.
func splitScan(uri string, fast bool) (server, method string, schemeEnd int, reason string) {
	if uri == "" {
		return "", "", 0, "empty URI"
	}
	var sc scanned
	if !fast || !scanPlain(uri, &sc) {
		if reason := scanBytes(uri, &sc); reason != "" {
			return "", "", 0, reason
		}
		sc.last = strings.LastIndexByte(uri, '/')
		sc.cut = strings.LastIndexByte(uri[:max(sc.last, 0)], '/')
	}
	firstQuery, lastQuery, firstSlash, firstOdd, lastOdd, lastEq := sc.firstQuery, sc.lastQuery, sc.firstSlash, sc.firstOdd, sc.lastOdd, sc.lastEq
	authEnd := sc.authEnd
	if s := firstSlash; s > 0 && uri[s-1] == ':' && s+1 < len(uri) && uri[s+1] == '/' {
		if s == 1 {
			return "", "", 0, "empty scheme before \"://\""
		}
		schemeEnd = s + 2
	}

	body, query := uri, ""
	last, cut := sc.last, sc.cut
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
	if (lastOdd >= cut || lastEq >= cut) && RefuseCredentials(method) != "" {
		return "", "", 0, "a credential in the gRPC method (dtm stores and logs branch URIs)"
	}
	if query != "" {
		server += query
	}
	// net/url checks the server before its query: end is where that ends,
	// and authEnd where its authority ends.
	end := cut
	if firstQuery >= 0 && firstQuery < cut {
		end = firstQuery
	}
	if authEnd < 0 || authEnd > end {
		authEnd = end
	}
	if (firstOdd >= 0 && firstOdd < end) || !plainAuthority(uri, schemeEnd, authEnd) {
		if !parsesAsGRPC(server, schemeEnd) {
			return "", "", 0, "gRPC cannot parse the server as a URL " +
				"(a bad %-escape, userinfo, a port that is not a number, or a byte a host may not hold)"
		}
	}
	return server, method, schemeEnd, ""
}

// plainAuthority reports, cheaply, whether net/url surely accepts the scheme
// and the port of uri's server: the scheme, before schemeEnd, is one net/url
// reads, and the port of the authority, which ends at authEnd, is a number if
// the authority has one. It leaves IPv6 literals, rare, and a '?' inside the
// scheme to parsesAsGRPC.
func plainAuthority(uri string, schemeEnd, authEnd int) bool {
	if schemeEnd == 0 {
		return true
	}
	if authEnd < schemeEnd || !isScheme(uri[:schemeEnd-3]) {
		return false
	}
	// net/url reads the port after the last ':': walk back over its digits.
	i := authEnd - 1
	for i >= schemeEnd && '0' <= uri[i] && uri[i] <= '9' {
		i--
	}
	return i < schemeEnd || uri[i] == ':' || strings.IndexByte(uri[schemeEnd:i], ':') < 0
}

// parsesAsGRPC reports whether gRPC's Dial parses server as a target: with
// net/url as it is, or, without a scheme, as "passthrough:///" + server, the
// form gRPC falls back to. A server it refuses would be dialled as a
// passthrough address, or not at all. It allocates: split calls it only for a
// server whose bytes or port plainAuthority cannot vouch for.
func parsesAsGRPC(server string, schemeEnd int) bool {
	if schemeEnd == 0 {
		server = "passthrough:///" + server
	}
	_, err := url.Parse(server)
	return err == nil
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

// maxReasonLen bounds the reason of a [URIError], for the same reason.
const maxReasonLen = 300

func displayURI(uri string) string { return display(Redact(uri), maxDisplayLen) }

// bound cuts s to at most n bytes plus "…".
func bound(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
