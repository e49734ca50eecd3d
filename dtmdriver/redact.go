package dtmdriver

import (
	"bytes"
	"strings"
)

// redacted replaces a secret in [Redact]'s output.
const redacted = "xxxxx"

// Redact returns uri with its credentials replaced by "xxxxx". It works on
// malformed input and on a fragment of a URI (an address, a query), never fails,
// and where a URI is ambiguous it hides more rather than less:
//
//   - Userinfo runs from where the host part starts to the last '@' in uri. The
//     host part starts after "scheme://", after "scheme:///" when the authority
//     is empty ("etcd:///user:pw@h:2379/..."), and at the start of anything
//     without a scheme ("user:pw@h:1/..."). So a password holding '/', '?', '#',
//     ':' or '&' is hidden whole, and an '@' later in a path or query hides
//     everything before it. The user of "user:password@" stays when it is a
//     plain name; any other userinfo is hidden whole.
//   - The value of a parameter whose name means a secret is hidden, and with it
//     the rest of uri: a secret may hold an unescaped '&', ';', '#', '?' or '/'.
//     A parameter is "name=value" after '?', '&', ';' or '/'.
//
// A name means a secret when, percent-decoded and with case, '-', '_' and '.'
// ignored, it contains pass, pwd, token, secret, cred, auth, apikey, accesskey,
// privatekey, privkey, jwt, bearer, signature, session or cookie, or is "sig";
// a name longer than 64 bytes or still holding '%' after decoding counts as one.
func Redact(uri string) string {
	start := hostStart(uri)
	head, rest := uri[:start], uri[start:]
	var b strings.Builder
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		b.Grow(len(uri))
		b.WriteString(head)
		if user, _, ok := strings.Cut(rest[:at], ":"); ok && plainName(user, 64) {
			b.WriteString(user)
			b.WriteByte(':')
		}
		b.WriteString(redacted)
		head, rest = "", rest[at:]
	}
	if v := secretValue(rest); v >= 0 {
		b.WriteString(head)
		b.WriteString(rest[:v])
		b.WriteString(redacted)
		return b.String()
	}
	if b.Len() == 0 {
		return uri
	}
	b.WriteString(rest)
	return b.String()
}

// hostStart is the index where the host part of s starts: see [Redact].
func hostStart(s string) int {
	i := strings.Index(s, "://")
	if i <= 0 || !isScheme(s[:i]) {
		return 0
	}
	i += len("://")
	if i < len(s) && s[i] == '/' {
		i++
	}
	return i
}

// isScheme reports whether s is a URI scheme as net/url reads one: a letter,
// then letters, digits, '+', '-' and '.'.
func isScheme(s string) bool {
	if s == "" || schemeByte[s[0]] != 2 {
		return false
	}
	for i := 1; i < len(s); i++ {
		if schemeByte[s[i]] == 0 {
			return false
		}
	}
	return true
}

// schemeByte is 2 for the letters, 1 for the other bytes of a scheme.
var schemeByte = func() (t [256]uint8) {
	for c := range t {
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			t[c] = 2
		case '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.':
			t[c] = 1
		}
	}
	return t
}()

// plainName reports whether s is 1 to limit bytes of letters, digits, '.', '-'
// and '_', starting with a letter.
func plainName(s string, limit int) bool {
	if s == "" || len(s) > limit {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '.' || c == '-' || c == '_'):
		default:
			return false
		}
	}
	return true
}

// secretValue returns the index where the value of the first parameter of s
// whose name means a secret starts, or -1. It is linear in len(s) and
// allocates nothing: credential refusal runs it on every branch call.
func secretValue(s string) int {
	if strings.IndexByte(s, '=') < 0 {
		return -1
	}
	nameStart, inValue := 0, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '?', '&', ';', '/', '#':
			nameStart, inValue = i+1, false
		case '=':
			if inValue {
				continue
			}
			if secretName(s[nameStart:i]) {
				return i + 1
			}
			inValue = true
		}
	}
	return -1
}

// maxNameLen bounds the names secretName normalises; a longer one counts as a
// secret.
const maxNameLen = 64

// secretWords are the parts of a normalised name that mean a secret, indexed
// by their first byte so that a name is matched in one pass.
var secretWords = func() (t [256][][]byte) {
	for _, w := range []string{
		"pass", "pwd", "token", "secret", "cred", "auth", "apikey", "accesskey",
		"privatekey", "privkey", "jwt", "bearer", "signature", "session", "cookie",
	} {
		t[w[0]] = append(t[w[0]], []byte(w))
	}
	return t
}()

// secretName reports whether a parameter name means a secret: see [Redact].
func secretName(name string) bool {
	var buf [maxNameLen]byte
	n := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '%' && i+2 < len(name) && isHex(name[i+1]) && isHex(name[i+2]) {
			c = unhex(name[i+1])<<4 | unhex(name[i+2])
			i += 2
		}
		switch {
		case c == '-' || c == '_' || c == '.':
			continue
		case c == '%':
			return true // an escape that decodes to '%', or a bad one: suspect
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if n == len(buf) {
			return true
		}
		buf[n] = c
		n++
	}
	w := buf[:n]
	if string(w) == "sig" {
		return true
	}
	for i := range w {
		for _, word := range secretWords[w[i]] {
			if bytes.HasPrefix(w[i:], word) {
				return true
			}
		}
	}
	return false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// Reasons RefuseCredentials gives.
const (
	userinfoReason = "userinfo ('@') in a branch URI, which dtm stores and logs: " +
		"credentials come from the driver's configuration (write a literal '@' as %40)"
	secretParamReason = "a parameter named like a credential in a branch URI, which dtm stores and logs: " +
		"credentials come from the driver's configuration"
)

// RefuseCredentials returns why server, the server part of a branch URI as
// [URIForm.Split] returns it, carries a credential, or "" when it carries none.
// Every driver calls it from ParseServerMethod before it looks further, so
// that no credential reaches dtm's database, logs or a reason.
//
// Any '@' counts as userinfo wherever it stands (the authority, the first path
// segment of an empty authority, a server without a scheme, a password
// holding '/' or '?'): write a literal '@' as %40. Any parameter whose name
// means a secret counts (see [Redact]), in the query or after ';'. It
// allocates nothing, and costs two byte scans when server has no '=' .
func RefuseCredentials(server string) (reason string) {
	switch {
	case strings.IndexByte(server, '@') >= 0:
		return userinfoReason
	case secretValue(server) >= 0:
		return secretParamReason
	}
	return ""
}

// maxQuoteLen bounds the fragment [Quote] shows.
const maxQuoteLen = 64

// Quote quotes s, a fragment of a driver's input (an address, a service name, a
// key, an option value, an endpoint), for an error reason: redacted as [Redact]
// does, with bytes other than printable ASCII, '"' and '\\' percent-encoded,
// and cut to 64 bytes. Reasons quote input only through Quote (and option names
// only through [OptionName]), so that they stay free of secrets and short
// whatever the input.
func Quote(s string) string {
	return `"` + display(Redact(s), maxQuoteLen) + `"`
}

// maxOptionName bounds the option names [OptionName] shows.
const maxOptionName = 32

// OptionName quotes name, an option name taken from query, for an error reason:
// `"tags"`. It shows the name only when that is safe: a short identifier that
// does not mean a secret, from a query that holds no secret-named parameter and
// no '#' (a secret holding an unescaped '&', ';' or '#' would otherwise show
// its tail as a name). Else it says "(name not shown)".
func OptionName(query, name string) string {
	if plainName(name, maxOptionName) && !secretName(name) &&
		secretValue(query) < 0 && strings.IndexByte(query, '#') < 0 {
		return `"` + name + `"`
	}
	return "(name not shown)"
}

// UnknownOption returns the reason for an option name, taken from query, that a
// driver does not know: `unknown option "tags"`, the name shown as
// [OptionName] shows it. Drivers add the options they know.
func UnknownOption(query, name string) string {
	return "unknown option " + OptionName(query, name)
}

// display returns s with bytes other than printable ASCII, '"' and '\\'
// percent-encoded, cut to at most limit bytes plus "…".
func display(s string, limit int) string {
	clean := len(s) <= limit
	for i := 0; clean && i < len(s); i++ {
		clean = !needsEscape(s[i])
	}
	if clean {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(min(len(s), limit) + len("…"))
	for i := 0; i < len(s); i++ {
		c := s[i]
		n := 1
		if needsEscape(c) {
			n = 3
		}
		if b.Len()+n > limit {
			b.WriteString("…")
			break
		}
		if n == 1 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func needsEscape(c byte) bool { return c < ' ' || c >= 0x7f || c == '"' || c == '\\' }
