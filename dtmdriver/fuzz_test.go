package dtmdriver_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
)

// FuzzSplitMethod checks SplitMethod's invariants: no panic; an error is short and
// shows nothing Redact hides; a split is well formed; without a query,
// server+method is the URI; with one, no byte is lost or added; gRPC can parse
// the server.
func FuzzSplitMethod(f *testing.F) {
	for _, s := range slices.Concat(dtmdrivertest.MalformedURIs, dtmdrivertest.AdversarialURIs) {
		f.Add(s)
	}
	f.Add("consul://h:8500/user.rpc?wait=14s/pkg.Svc/Method")
	f.Add("etcd:///h1:2379,h2:2379/pkg.Svc/Method?key=trans.rpc")
	f.Fuzz(func(t *testing.T, uri string) {
		server, method, err := dtmdriver.SplitMethod(uri)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error for %q spans lines: %q", uri, err)
			}
			if err := dtmdrivertest.CheckError(uri, err); err != nil {
				t.Errorf("SplitMethod(%q): %v", uri, err)
			}
			return
		}
		if err := dtmdrivertest.CheckSplit(server, method); err != nil {
			t.Fatalf("SplitMethod(%q) = %q, %q: %v", uri, server, method, err)
		}
		if !strings.Contains(uri, "?") && server+method != uri {
			t.Fatalf("SplitMethod(%q) = %q, %q: the parts do not make the URI", uri, server, method)
		}
		if len(server)+len(method) != len(uri) {
			t.Fatalf("SplitMethod(%q) = %q, %q: lost or added bytes", uri, server, method)
		}
		// gRPC parses the server with net/url, or, without a scheme, as
		// "passthrough:///" + server.
		target := server
		if s := dtmdriver.Scheme(server); s == "" || !strings.HasPrefix(uri, s+"://") {
			target = "passthrough:///" + server
		}
		if _, err := url.Parse(target); err != nil {
			t.Fatalf("SplitMethod(%q) = %q, %q, which gRPC cannot parse: %v", uri, server, method, err)
		}
	})
}

func FuzzDefaultDriver(f *testing.F) {
	dtmdrivertest.FuzzParseServerMethod(f, defaultDriver(f),
		"127.0.0.1:36790/dtmgimp.Dtm/Submit", "[::1]:1/a.B/C", "localhost:8080/busi.Busi/TransIn")
}

// TestSplitFastMatchesPlainCorpora compares split with and without its 8-byte
// scan on the shared malformed and adversarial corpora.
func TestSplitFastMatchesPlainCorpora(t *testing.T) {
	for _, uri := range slices.Concat(dtmdrivertest.MalformedURIs, dtmdrivertest.AdversarialURIs) {
		s1, m1, e1, r1 := dtmdriver.SplitScan(uri, true)
		s2, m2, e2, r2 := dtmdriver.SplitScan(uri, false)
		if s1 != s2 || m1 != m2 || e1 != e2 || r1 != r2 {
			t.Errorf("split(%.80q): fast %q, %q, %d, %q; plain %q, %q, %d, %q", uri, s1, m1, e1, r1, s2, m2, e2, r2)
		}
	}
}
