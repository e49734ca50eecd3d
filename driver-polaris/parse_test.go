package polaris

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
)

func TestParseServerMethodAllocations(t *testing.T) {
	d := newDriver()
	for _, tc := range []struct {
		uri    string
		allocs float64
	}{
		{"polaris://busi?namespace=Test/busi.Busi/TransIn", 0},
		{"polaris://busi?options=eyJOYW1lc3BhY2UiOiJUZXN0In0=/busi.Busi/TransIn", 0},
		{"127.0.0.1:8081/busi.Busi/TransIn", 0},
		{"polaris://busi/busi.Busi/TransIn?namespace=Test", 1}, // the query moves onto the server
	} {
		got := testing.AllocsPerRun(100, func() {
			if _, _, err := d.ParseServerMethod(tc.uri); err != nil {
				t.Fatal(err)
			}
		})
		if got > tc.allocs {
			t.Errorf("ParseServerMethod(%q): %v allocations, want at most %v", tc.uri, got, tc.allocs)
		}
	}
}

func TestParseServerMethodErrors(t *testing.T) {
	d := newDriver()
	for _, tc := range []struct{ uri, want string }{
		{"polaris://svc?token=" + dtmdrivertest.Secret + "/pkg.S/M", "credential"},
		{"polaris://svc?ns=x/pkg.S/M", `unknown option "ns"`},
		{"polaris://user:" + dtmdrivertest.Secret + "@svc/pkg.S/M", "userinfo"},
		{"polaris:///user:" + dtmdrivertest.Secret + "@svc/pkg.S/M", "userinfo"},
		{"polaris://svc?namespace=a;api-key=" + dtmdrivertest.Secret + "/pkg.S/M", "credential"},
		{"polaris://svc?metadata.session=" + dtmdrivertest.Secret + "/pkg.S/M", "credential"},
		{"polaris://svc?%74oken=" + dtmdrivertest.Secret + "/pkg.S/M", "credential"},
		{"etcd://h:2379/svc/pkg.S/M", "scheme must be polaris"},
	} {
		_, _, err := d.ParseServerMethod(tc.uri)
		if err == nil || !errors.Is(err, dtmdriver.ErrBadURI) || !strings.Contains(err.Error(), tc.want) ||
			strings.Contains(err.Error(), dtmdrivertest.Secret) {
			t.Errorf("ParseServerMethod(%q) error %v: want one wrapping ErrBadURI, saying %q, without the secret", tc.uri, err, tc.want)
		}
	}
}

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		server, ns, service string
		meta                map[string]string
	}{
		{"polaris://busi", "default", "busi", nil},
		{"polaris://busi?namespace=Test", "Test", "busi", nil},
		{"polaris://busi?namespace=Test&metadata.env=blue", "Test", "busi", map[string]string{"env": "blue"}},
		// {"Namespace":"Test","dst_metadata":{"env":"blue"}}, padded and not
		{"polaris://busi?options=eyJOYW1lc3BhY2UiOiJUZXN0IiwiZHN0X21ldGFkYXRhIjp7ImVudiI6ImJsdWUifX0=", "Test", "busi", map[string]string{"env": "blue"}},
		{"polaris://busi/?options=eyJOYW1lc3BhY2UiOiJUZXN0IiwiZHN0X21ldGFkYXRhIjp7ImVudiI6ImJsdWUifX0", "Test", "busi", map[string]string{"env": "blue"}},
		// the namespace parameter wins over the options'
		{"polaris://busi?options=eyJOYW1lc3BhY2UiOiJUZXN0In0=&namespace=Prod", "Prod", "busi", nil},
	} {
		u, err := url.Parse(tc.server)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseTarget(*u)
		if err != nil || got.namespace != tc.ns || got.service != tc.service || len(got.metadata) != len(tc.meta) {
			t.Errorf("parseTarget(%q) = %+v, %v; want %s/%s %v", tc.server, got, err, tc.ns, tc.service, tc.meta)
			continue
		}
		for k, v := range tc.meta {
			if got.metadata[k] != v {
				t.Errorf("parseTarget(%q) metadata %v, want %v", tc.server, got.metadata, tc.meta)
			}
		}
	}
	for _, bad := range []string{
		"polaris://busi/x",
		"polaris://busi?options=bm90IGpzb24=", // "not json"
		"polaris://busi?options=***",
		"polaris://busi?secret=x",
	} {
		u, err := url.Parse(bad)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parseTarget(*u); err == nil {
			t.Errorf("parseTarget(%q) = nil error", bad)
		}
	}
}

// TestRegistrationTargetErrorsQuoteNoSecret: the tail of a token after an
// unescaped '#', '&' or ';' shows nowhere, and a 1 MiB target gives a short error.
func TestRegistrationTargetErrorsQuoteNoSecret(t *testing.T) {
	const head, tail = "S3c", "r3tX9"
	big := strings.Repeat("a", 1<<20)
	for _, target := range []string{
		"polaris://h:1/svc?token=" + head + "#" + tail,
		"polaris://h:1/svc?token=" + head + "&" + tail,
		"polaris://h:1/svc?token=" + head + "&" + tail + "=1",
		"polaris://h:1/svc?token=" + head + ";" + tail + "&x=1",
		"polaris://user:" + head + "/" + tail + "@h:1/svc",
		"polaris://h:1," + big + "/svc",
		"polaris://h:1/svc?" + big + "=1",
		"polaris://h:1/" + big + "%",
	} {
		_, err := parseRegistrationTarget(target)
		switch {
		case err == nil:
			t.Errorf("parseRegistrationTarget(%.60q) = nil error", target)
		case strings.Contains(err.Error(), head) || strings.Contains(err.Error(), tail):
			t.Errorf("parseRegistrationTarget(%.60q) error quotes the token: %v", target, err)
		case len(err.Error()) > dtmdrivertest.MaxErrorLen:
			t.Errorf("parseRegistrationTarget(%.60q) error is %d bytes", target, len(err.Error()))
		}
	}
}

func TestParseRegistrationTarget(t *testing.T) {
	r, err := parseRegistrationTarget("polaris://127.0.0.1:8091,10.0.0.1:8091/dtmservice?namespace=dtm&token=tok&ttl=7&metadata.k=v")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(r.server.addrs, ",") != "127.0.0.1:8091,10.0.0.1:8091" || r.server.token != "tok" ||
		r.service != "dtmservice" || r.ns != "dtm" || r.ttl != 7 || r.metadata["k"] != "v" {
		t.Errorf("parseRegistrationTarget = %+v", r)
	}
	r, err = parseRegistrationTarget("polaris://127.0.0.1:8091/dtmservice")
	if err != nil || r.ns != DefaultNamespace || r.ttl != DefaultTTL || r.server.token != "" {
		t.Errorf("parseRegistrationTarget defaults = %+v, %v", r, err)
	}
}

func TestNoServerConfigured(t *testing.T) {
	t.Setenv(EnvAddresses, "")
	d := newDriver()
	rec := dtmdrivertest.NewRecorder()
	dtmdrivertest.BuildResolver(t, &builder{d: d}, "polaris://busi", rec)
	dtmdrivertest.WaitFor(t, 5*time.Second, "an error reported to gRPC", func() bool {
		errs := rec.Errors()
		return len(errs) > 0 && errors.Is(errs[0], errNoServer)
	})
	t.Setenv(EnvAddresses, "127.0.0.1:8091,nonsense")
	if _, err := d.server(); err == nil || !strings.Contains(err.Error(), EnvAddresses) {
		t.Errorf("server() with a bad %s: %v", EnvAddresses, err)
	}
	t.Setenv(EnvAddresses, "127.0.0.1:8091")
	t.Setenv(EnvToken, "tok")
	if sc, err := d.server(); err != nil || sc.addrs[0] != "127.0.0.1:8091" || sc.token != "tok" {
		t.Errorf("server() from the environment = %+v, %v", sc, err)
	}
}
