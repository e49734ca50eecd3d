package dtmdrivertest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// MaxErrorLen bounds the error a driver returns for any branch URI, however long
// the URI: dtm logs every error.
const MaxErrorLen = 1024

// The two halves of a secret that holds a separator ('&', '#', '?', ';', '/',
// ':'): neither half may show in an error.
const (
	secretHead = "h3AdS3c"
	secretTail = "t4ILr3tX9"
)

// secretNames are parameter names that mean a secret, in the ways people write
// them.
var secretNames = []string{
	"password", "Password", "PASSWD", "pwd", "pass", "token", "access_token", "secret",
	"client_secret", "apikey", "api-key", "x-api-key", "api_key", "accessKey", "access_key",
	"private_key", "jwt", "bearer", "signature", "session", "auth", "credential",
	"%70assword", "pass%77ord", "TOK%45N",
}

// secretValues are values that hold a secret, some with an unescaped separator.
var secretValues = func() []string {
	v := []string{Secret}
	for _, sep := range []string{"&", "#", "?", ";", "/"} {
		v = append(v, secretHead+sep+secretTail)
	}
	return v
}()

// secretUserinfo is userinfo that holds a secret, some with a separator.
var secretUserinfo = func() []string {
	u := []string{"user:" + Secret + "@", Secret + "@", "user:%40" + Secret + "@"}
	for _, sep := range []string{"/", "?", "#", "&", ":", "@"} {
		u = append(u, "user:"+secretHead+sep+secretTail+"@")
	}
	return u
}()

// CredentialURIs returns branch URIs that carry a credential, built from the
// driver's own accepted URIs (h.Splits), otherwise valid, and from its schemes:
// userinfo in the authority, in the first path segment of an empty authority
// and before a server without a scheme; secret-named parameters first, last,
// after ';', before the method and after it. A driver must reject every one
// with dtmdriver.ErrBadURI, quoting no part of the secret.
func CredentialURIs(h Harness) []string {
	var uris []string
	for _, s := range h.Splits {
		for _, u := range secretUserinfo {
			uris = append(uris, withUserinfo(s.URI, u))
		}
		for _, name := range secretNames {
			uris = append(uris, withParam(s, name+"="+Secret)...)
		}
		for _, v := range secretValues[1:] {
			uris = append(uris, withParam(s, "password="+v)...)
			uris = append(uris, withParam(s, "token="+v)...)
		}
	}
	for _, scheme := range h.Schemes {
		p := scheme + "://"
		uris = append(uris,
			p+"user:"+Secret+"@h:1/svc/pkg.Svc/Method",
			p+Secret+"@h:1/svc/pkg.Svc/Method",
			p+"/user:"+Secret+"@h:1/pkg.Svc/Method",
			p+"/user:"+Secret+"@h:1/pkg.Svc/Method?key=k",
			p+"user:"+secretHead+"#"+secretTail+"@h:1/svc/pkg.Svc/Method",
			p+"user:"+secretHead+"/"+secretTail+"@h:1/svc/pkg.Svc/Method",
			p+"h:1/svc?token="+Secret+"/pkg.Svc/Method",
			p+"/h:1/pkg.Svc/Method?key=k&Password="+Secret,
			p+"/h:1?key=k;secret="+Secret+"/pkg.Svc/Method",
		)
	}
	return append(uris,
		"user:"+Secret+"@h:1/pkg.Svc/Method",
		"user:"+secretHead+"/"+secretTail+"@h:1/pkg.Svc/Method",
		"h:1/pkg.Svc/Method?token="+Secret,
	)
}

// withUserinfo inserts userinfo where the host part of uri starts: after
// "scheme://", after "scheme:///" when the authority is empty, or first.
func withUserinfo(uri, userinfo string) string {
	i := strings.Index(uri, "://")
	if i < 0 {
		return userinfo + uri
	}
	i += len("://")
	if strings.HasPrefix(uri[i:], "/") {
		i++
	}
	return uri[:i] + userinfo + uri[i:]
}

// withParam adds param to the query of s's server in every position: last and
// first before the method, after ';', after the method, and in the method.
func withParam(s Split, param string) []string {
	path, query, hasQuery := strings.Cut(s.Server, "?")
	last, first := "?"+param, "?"+param
	if hasQuery {
		last = "?" + query + "&" + param
		first = "?" + param + "&" + query
	}
	semi := ";" + param
	if hasQuery {
		semi = "?" + query + ";" + param
	}
	return []string{
		path + last + s.Method,
		path + first + s.Method,
		path + semi + s.Method,
		path + s.Method + last,
		s.Server + s.Method + ";" + param,
	}
}

// testCredentials checks that every URI of CredentialURIs is rejected with
// dtmdriver.ErrBadURI and that no error quotes any part of the secret.
func testCredentials(t *testing.T, h Harness) {
	failures := 0
	for _, uri := range CredentialURIs(h) {
		if msg := checkCredentialCase(h.Driver, uri); msg != "" {
			t.Error(msg)
			if failures++; failures == 20 {
				t.Fatal("too many failures")
			}
		}
	}
}

func checkCredentialCase(d dtmdriver.Driver, uri string) string {
	server, method, panicked, err := parseSafely(d, uri)
	switch {
	case panicked != nil:
		return fmt.Sprintf("ParseServerMethod(%q) panicked: %v", uri, panicked)
	case err == nil:
		return fmt.Sprintf("ParseServerMethod(%q) = %q, %q, nil; want an error: a branch URI carries no credential", uri, server, method)
	case !errors.Is(err, dtmdriver.ErrBadURI):
		return fmt.Sprintf("ParseServerMethod(%q) error %q does not wrap dtmdriver.ErrBadURI", uri, err)
	}
	if leak := quotedSecret(err.Error()); leak != "" {
		return fmt.Sprintf("ParseServerMethod(%q) error quotes %q of the secret: %s", uri, leak, err)
	}
	return ""
}

// quotedSecret returns the part of a planted secret that msg holds, or "".
func quotedSecret(msg string) string {
	for _, s := range []string{Secret, secretHead, secretTail} {
		if strings.Contains(msg, s) {
			return s
		}
	}
	return ""
}

// CheckError reports what is wrong with err, the error a driver returned for
// uri: it is longer than [MaxErrorLen], or it shows what dtmdriver.Redact hides
// (uri holds [Secret] where Redact(uri) does not, and err holds it).
func CheckError(uri string, err error) error {
	msg := err.Error()
	if len(msg) > MaxErrorLen {
		return fmt.Errorf("error of %d bytes, more than %d: %.200s…", len(msg), MaxErrorLen, msg)
	}
	for _, s := range []string{Secret, secretHead, secretTail} {
		if strings.Contains(uri, s) && !strings.Contains(dtmdriver.Redact(uri), s) && strings.Contains(msg, s) {
			return fmt.Errorf("error quotes %q, which Redact hides: %s", s, msg)
		}
	}
	return nil
}

// filler is the 1 MiB that testBounded puts into URIs.
var filler = strings.Repeat("a", 1<<20)

// testBounded checks that errors stay short and free of secrets when a part of
// a URI, malformed, accepted or carrying a credential, is 1 MiB long: the
// scheme, the host, a service name or key, an option, the method.
func testBounded(t *testing.T, h Harness) {
	bases := slices.Concat(MalformedURIs, h.Malformed, CredentialURIs(Harness{Schemes: h.Schemes}))
	for _, s := range h.Splits {
		bases = append(bases, s.URI, withParam(s, "token="+Secret)[0], withParam(s, "bogus=1")[0])
	}
	failures := 0
	for _, base := range bases {
		for _, uri := range withFiller(base) {
			_, _, panicked, err := parseSafely(h.Driver, uri)
			var msg string
			switch {
			case panicked != nil:
				msg = fmt.Sprintf("ParseServerMethod(%.60q…) panicked: %v", uri, panicked)
			case err == nil:
				continue
			case len(err.Error()) > MaxErrorLen:
				msg = fmt.Sprintf("ParseServerMethod(%.60q…, %d bytes): error of %d bytes, more than %d: %.300s…",
					uri, len(uri), len(err.Error()), MaxErrorLen, err)
			case quotedSecret(err.Error()) != "" && quotedSecret(base) != "":
				msg = fmt.Sprintf("ParseServerMethod(%.60q…) error quotes the secret: %.300s", uri, err)
			default:
				continue
			}
			t.Error(msg)
			if failures++; failures == 20 {
				t.Fatal("too many failures")
			}
		}
	}
}

// withFiller returns uri with [filler] inserted where the scheme, the host part,
// the query, an option's value and the method start, and at the end.
func withFiller(uri string) []string {
	at := []int{0, len(uri)}
	if i := strings.Index(uri, "://"); i >= 0 {
		at = append(at, i+3)
	}
	for _, c := range []string{"?", "=", "&"} {
		if i := strings.Index(uri, c); i >= 0 {
			at = append(at, i+1)
		}
	}
	if i := strings.LastIndexByte(uri, '/'); i > 0 {
		if j := strings.LastIndexByte(uri[:i], '/'); j >= 0 {
			at = append(at, j, j+1)
		}
	}
	slices.Sort(at)
	at = slices.Compact(at)
	uris := make([]string, 0, len(at))
	for _, i := range at {
		uris = append(uris, uri[:i]+filler+uri[i:])
	}
	return uris
}

// testSecrets runs the checks of this file.
func testSecrets(t *testing.T, h Harness) {
	t.Run("Credentials", func(t *testing.T) { testCredentials(t, h) })
	t.Run("Bounded", func(t *testing.T) { testBounded(t, h) })
}
