package dtmdriver

import (
	"errors"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"etcd://h:2379/key", "etcd://h:2379/key"},
		{"etcd://root:pw@h:2379/key", "etcd://root:xxxxx@h:2379/key"},
		{"consul://tok3n@h:8500/svc", "consul://xxxxx@h:8500/svc"},
		{"etcd://h/key?user=root&password=pw", "etcd://h/key?user=root&password=xxxxx"},
		{"etcd://h/k?certFile=/x/c.pem&password=pw", "etcd://h/k?certFile=/x/c.pem&password=xxxxx"},
		{"x://h/s?a=1?secret=2", "x://h/s?a=1?secret=xxxxx"},
		{"x://h/s?password", "x://h/s?password"},
		{"", ""},
		// A secret's value runs to the end: it may hold '&', '#', '?', ';' or '/'.
		{"consul://h/svc?token=t&wait=1s/pkg.Svc/M", "consul://h/svc?token=xxxxx"},
		{"etcd://h/k?password=a/b?c&x=1", "etcd://h/k?password=xxxxx"},
		{"x://h/s?Access_Token=t#f", "x://h/s?Access_Token=xxxxx"},
		{"consul://h/svc?token=S3c&r3tX9", "consul://h/svc?token=xxxxx"},
		{"polaris://h:1/svc?token=S3c#r3tX9", "polaris://h:1/svc?token=xxxxx"},
		// Userinfo without an authority, or with an empty one.
		{"user:S3cr3t@h:1/pkg.Svc/Method", "user:xxxxx@h:1/pkg.Svc/Method"},
		{"etcd:///user:S3cr3t@h:1/pkg.Svc/Method?key=k", "etcd:///user:xxxxx@h:1/pkg.Svc/Method?key=k"},
		{"consul:///S3cr3t@svc/pkg.Svc/Method", "consul:///xxxxx@svc/pkg.Svc/Method"},
		{"direct:///u:S3cr3t@h:1/pkg.Svc/Method", "direct:///u:xxxxx@h:1/pkg.Svc/Method"},
		// Userinfo ends at the last '@': a password may hold '/', '?', '#', '&'.
		{"etcd://user:S3c#r3tX9@h:1/k", "etcd://user:xxxxx@h:1/k"},
		{"etcd://user:S3c/r3tX9@h:1/k", "etcd://user:xxxxx@h:1/k"},
		{"dns://user:S3c?r3tX9@h:1/k", "dns://user:xxxxx@h:1/k"},
		{"etcd://us/er:S3c@h:1/k", "etcd://xxxxx@h:1/k"},
		{"h:1/a@b/pkg.Svc/M", "h:xxxxx@b/pkg.Svc/M"}, // hides more, never less
		// Names that mean a secret, however written.
		{"x://h/s?api-key=S", "x://h/s?api-key=xxxxx"},
		{"x://h/s?X-Api-Key=S", "x://h/s?X-Api-Key=xxxxx"},
		{"x://h/s?access_key=S", "x://h/s?access_key=xxxxx"},
		{"x://h/s?accessKey=S", "x://h/s?accessKey=xxxxx"},
		{"x://h/s?private_key=S", "x://h/s?private_key=xxxxx"},
		{"x://h/s?jwt=S", "x://h/s?jwt=xxxxx"},
		{"x://h/s?bearer=S", "x://h/s?bearer=xxxxx"},
		{"x://h/s?signature=S", "x://h/s?signature=xxxxx"},
		{"x://h/s?sig=S", "x://h/s?sig=xxxxx"},
		{"x://h/s?session=S", "x://h/s?session=xxxxx"},
		{"x://h/s?PassWord=S", "x://h/s?PassWord=xxxxx"},
		{"x://h/s?%70assword=S", "x://h/s?%70assword=xxxxx"},
		{"x://h/s?%2570assword=S", "x://h/s?%2570assword=xxxxx"},
		{"x://h/s?a=1;token=S", "x://h/s?a=1;token=xxxxx"},
		{"x://h/s;token=S/pkg.Svc/M", "x://h/s;token=xxxxx"},
		{"x://h/s?key=trans.rpc&wait=1s", "x://h/s?key=trans.rpc&wait=1s"},
		{"x://h/s?" + strings.Repeat("n", 100) + "=S", "x://h/s?" + strings.Repeat("n", 100) + "=xxxxx"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactLinear(t *testing.T) {
	// "a=a=a=…" and "@@@…" must not be quadratic.
	for _, s := range []string{strings.Repeat("a=", 1<<19), strings.Repeat("@", 1<<20), strings.Repeat("&token", 1<<17)} {
		if got := Redact(s); len(got) > len(s)+len(redacted) {
			t.Errorf("Redact of %d bytes gave %d bytes", len(s), len(got))
		}
	}
}

func TestRefuseCredentials(t *testing.T) {
	tests := []struct {
		server string
		bad    bool
	}{
		{"etcd://h:2379/trans.rpc", false},
		{"etcd:///h:2379?key=trans.rpc", false},
		{"consul://h:8500/svc?wait=14s&tag=a", false},
		{"polaris://svc?namespace=ns&metadata.env=prod", false},
		{"127.0.0.1:8080", false},
		{"etcd:///user:pw@h:2379?key=k", true},
		{"direct:///user:pw@h:1", true},
		{"dns:///user:pw@h:1", true},
		{"consul:///user:pw@h:1/svc", true},
		{"user:pw@h:1", true},
		{"etcd://user:S3c/r3tX9@h:1/key", true},
		{"etcd:///h:2379?key=k&Password=x", true},
		{"etcd:///h:2379?key=k&apikey=x", true},
		{"etcd:///h:2379?key=k&secret=x", true},
		{"etcd:///h:2379?auth=x&key=k", true},
		{"etcd:///h:2379?key=k;token=x", true},
		{"etcd:///h:2379?key=k&%70assword=x", true},
		{"etcd:///h:2379?key=k&x-api-key=x", true},
		{"etcd:///h:2379?key=k&accessKey=x", true},
		{"etcd:///h:2379?key=k&private_key=x", true},
		{"etcd:///h:2379?key=k&jwt=x", true},
		{"etcd:///h:2379?key=k&bearer=x", true},
		{"etcd:///h:2379?key=k&signature=x", true},
		{"etcd:///h:2379?key=k&session=x", true},
	}
	for _, tt := range tests {
		if got := RefuseCredentials(tt.server) != ""; got != tt.bad {
			t.Errorf("RefuseCredentials(%q) refuses: %v, want %v", tt.server, got, tt.bad)
		}
	}
}

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"h:1", `"h:1"`},
		{"user:S3cr3t@h:1", `"user:xxxxx@h:1"`},
		{"key?password=S3cr3t", `"key?password=xxxxx"`},
		{"a\"b\\c\x00é", `"a%22b%5Cc%00%C3%A9"`},
		{strings.Repeat("a", 1<<20), `"` + strings.Repeat("a", maxQuoteLen) + `…"`},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%.40q) = %.80q, want %.80q", tt.in, got, tt.want)
		}
	}
}

func TestUnknownOption(t *testing.T) {
	tests := []struct{ query, name, want string }{
		{"tags=a", "tags", `unknown option "tags"`},
		{"token=S3c&r3tX9", "r3tX9", "unknown option (name not shown)"},
		{"a=1;password=S3c&r3tX9", "r3tX9", "unknown option (name not shown)"},
		{"x=1#r3tX9", "r3tX9", "unknown option (name not shown)"},
		{"apikey2=1", "apikey2", "unknown option (name not shown)"},
		{"a%20b=1", "a%20b", "unknown option (name not shown)"},
		{strings.Repeat("n", 40) + "=1", strings.Repeat("n", 40), "unknown option (name not shown)"},
	}
	for _, tt := range tests {
		if got := UnknownOption(tt.query, tt.name); got != tt.want {
			t.Errorf("UnknownOption(%q, %q) = %q, want %q", tt.query, tt.name, got, tt.want)
		}
	}
}

// TestSplitRefusesWhatGRPCCannotParse: a server net/url refuses is dialled by
// gRPC as a passthrough address, or not at all.
func TestSplitRefusesWhatGRPCCannotParse(t *testing.T) {
	bad := []string{
		"protocol1://h%zz:1/a/b",
		"etcd://user:S3c/r3tX9@h:1/key/pkg.Svc/Method",
		"dns://user:S3c?x@h:1/pkg.Svc/Method",
		"dns://user:S3c?x/pkg.Svc/Method",
		"etcd://h:1,b/key/pkg.Svc/Method",
		"x://h{:1/pkg.Svc/Method",
		"x://h:1%41/pkg.Svc/Method",
		"e_tcd://h:1/key/pkg.Svc/Method",
		"protocol1://[::1]:1,[::1]:2/pkg.Svc/Method",
		"etcd://h:1/k%zz/pkg.Svc/Method",
		"h%zz:1/pkg.Svc/Method",
		"x://h:1a/k/pkg.Svc/Method",
		"x://h:1a?k=v/pkg.Svc/Method",
	}
	for _, uri := range bad {
		_, _, err := SplitMethod(uri)
		if err == nil || !strings.Contains(err.Error(), "gRPC cannot parse") {
			t.Errorf("SplitMethod(%q) error %v; want one saying gRPC cannot parse the server", uri, err)
		}
		if err != nil && strings.Contains(err.Error(), "r3tX9") {
			t.Errorf("SplitMethod(%q) error quotes the secret: %v", uri, err)
		}
	}
	good := []string{
		"protocol1://[::1]:1/pkg.Svc/Method",
		"protocol1:///[::1]:1,[::1]:2/pkg.Svc/Method",
		"[fe80::1%25eth0]:80/pkg.Svc/Method",
		"etcd:///h:1/pkg.Svc/Method?key=%2Fgrpc%2Ftrans",
		"consul://h:8500/svc?wait=%zz/pkg.Svc/Method", // net/url leaves the query alone
		"k8s://ns/svc:8080/pkg.Svc/Method",
		"x://h:1?a:b/k/pkg.Svc/Method",
		"x://h:/k/pkg.Svc/Method",
		"etcd://h1:2379,h2:2379/k/pkg.Svc/Method",
	}
	for _, uri := range good {
		if _, _, err := SplitMethod(uri); err != nil {
			t.Errorf("SplitMethod(%q): %v", uri, err)
		}
	}
}

// TestSplitRefusesCredentialInMethod: the method goes to Invoke and into
// dtm's logs too.
func TestSplitRefusesCredentialInMethod(t *testing.T) {
	for _, uri := range []string{"h:1/pkg.Svc/Method;token=S", "h:1/pkg.Svc/Me@thod", "x://h/s/pkg.Svc/M&password=S"} {
		if _, _, err := SplitMethod(uri); err == nil || !strings.Contains(err.Error(), "credential in the gRPC method") {
			t.Errorf("SplitMethod(%q) error %v; want one refusing a credential in the method", uri, err)
		}
	}
}

// TestErrorsBounded: a 1 MiB input gives a short error, whatever part is long.
func TestErrorsBounded(t *testing.T) {
	big := strings.Repeat("a", 1<<20)
	for _, uri := range []string{
		big, big + "://h:1/pkg.Svc/Method", "x://" + big + ":z/pkg.Svc/Method",
		"h:1/" + big, "h:1/pkg.Svc/" + big + "#", "\x00" + strings.Repeat("\x01", 1<<20),
		strings.Repeat("%", 1<<20) + "/a/b",
	} {
		for i, parse := range []func(string) (string, string, error){defaultDriver{}.ParseServerMethod, SplitMethod} {
			_, _, err := parse(uri)
			if err == nil && i > 0 {
				continue // the generic split takes a long scheme
			}
			if err == nil {
				t.Fatalf("no error for %.40q…%q", uri, uri[max(0, len(uri)-30):])
			}
			if n := len(err.Error()); n > 1024 {
				t.Errorf("error for %.40q… is %d bytes: %.200s", uri, n, err)
			}
		}
	}
	err := URIForm("f").Reject("x", strings.Repeat("r", 1<<20))
	if n := len(err.Error()); n > 1024 {
		t.Errorf("Reject with a 1 MiB reason: %d bytes", n)
	}
	var ue *URIError
	if !errors.As(err, &ue) {
		t.Errorf("Reject returned %T", err)
	}
}
