package dtmdrivertest

import (
	"context"
	"fmt"
	"testing"
	"time"

	upstream "github.com/dtm-labs/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/go-resty/resty/v2"
)

// PassThroughHTTPURLs are URLs no driver owns for HTTP: plain http(s) URLs in
// any case, a bare host:port branch, another framework's scheme, nothing. An
// [dtmdriver.HTTPResolver] must return each unchanged, with ok false and no error.
var PassThroughHTTPURLs = []string{
	"http://127.0.0.1:8081/api/busi/TransOut?gid=1",
	"https://example.com/api/x",
	"HTTP://EXAMPLE.COM/x",
	"127.0.0.1:36790/busi.Busi/TransIn",
	"someotherscheme://registry:1/svc/api/x",
	"",
	"/",
}

// testHTTP checks a driver that implements [dtmdriver.HTTPResolver]: it
// describes its HTTP forms, URLs it does not own pass through unchanged,
// and once selected its middleware is installed in
// github.com/dtm-labs/dtmdriver's Middlewares.HTTP and leaves plain URLs alone.
func testHTTP(t *testing.T, h Harness, name string) {
	hr, ok := h.Driver.(dtmdriver.HTTPResolver)
	if !ok {
		t.Skip("the driver does not implement dtmdriver.HTTPResolver (optional)")
	}
	if desc, ok := dtmdriver.Describe(h.Driver); ok && len(desc.HTTPForms) == 0 {
		t.Errorf("Describe().HTTPForms is empty: a driver that implements dtmdriver.HTTPResolver names its HTTP URL forms")
	}
	for _, u := range PassThroughHTTPURLs {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		got, owned, panicked, err := resolveSafely(ctx, hr, u)
		cancel()
		if panicked != nil || got != u || owned || err != nil {
			t.Errorf("ResolveHTTP(%q) = %q, %v, %v (panic: %v); want it unchanged, false, nil", u, got, owned, err, panicked)
		}
	}
	if err := dtmdriver.Use(name); err != nil {
		t.Fatalf("Use(%q): %v", name, err)
	}
	ms := upstream.Middlewares.HTTP
	if len(ms) == 0 {
		t.Fatalf("after Use(%q), github.com/dtm-labs/dtmdriver's Middlewares.HTTP is empty: the core installs the driver's middleware", name)
	}
	c := resty.New()
	for _, u := range PassThroughHTTPURLs[:3] {
		r := c.R()
		r.URL = u
		for _, m := range ms {
			if err := m(c, r); err != nil || r.URL != u {
				t.Errorf("middleware on %q: URL %q, error %v; want it unchanged, nil", u, r.URL, err)
			}
		}
	}
}

func resolveSafely(ctx context.Context, hr dtmdriver.HTTPResolver, u string) (got string, ok bool, panicked any, err error) {
	defer func() {
		if p := recover(); p != nil {
			panicked = fmt.Sprint(p)
		}
	}()
	got, ok, err = hr.ResolveHTTP(ctx, u)
	return got, ok, nil, err
}
