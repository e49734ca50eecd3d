package dtmdriver

import (
	"context"
	"strings"
	"sync"

	upstream "github.com/dtm-labs/dtmdriver"
	"github.com/go-resty/resty/v2"
)

// The dtm server v1.19.0 and github.com/dtm-labs/client v1.18.7 send every HTTP
// request through a resty client whose OnBeforeRequest runs, in order, the
// functions in github.com/dtm-labs/dtmdriver's Middlewares.HTTP
// (dtmimp.AddRestyMiddlewares). When the driver selected in this process
// implements HTTPResolver, one middleware is appended there, once per process:
// it rewrites the request's URL when the driver owns its scheme.

var httpMiddlewareOnce sync.Once

// installHTTPMiddleware appends the middleware when d resolves HTTP URLs. The
// registry calls it once, when d is first selected in std, before any request
// of the process is sent (Use is called at start-up).
func installHTTPMiddleware(d Driver) {
	hr, ok := d.(HTTPResolver)
	if !ok {
		return
	}
	// No lock: this runs inside Use, under upstreamMu when Use came through
	// this package, and resty clients read the slice without one; Use belongs
	// to start-up, before the process sends requests.
	httpMiddlewareOnce.Do(func() {
		upstream.Middlewares.HTTP = append(upstream.Middlewares.HTTP, HTTPMiddleware(hr))
	})
}

// HTTPMiddleware returns the resty middleware that rewrites a request's URL
// through hr. A URL that starts with http:// or https:// returns at once,
// without calling hr and without allocating. Any other URL goes to
// hr.ResolveHTTP with the request's context: when the driver owns it, the
// request is sent to the resolved URL; when it fails, so does the request,
// with the driver's error.
//
// [Use] installs it for the selected driver; it is exported for client apps
// that build their own resty clients, and for benchmarks.
func HTTPMiddleware(hr HTTPResolver) func(*resty.Client, *resty.Request) error {
	return func(_ *resty.Client, r *resty.Request) error {
		if IsPlainHTTP(r.URL) {
			return nil
		}
		resolved, ok, err := hr.ResolveHTTP(requestContext(r), r.URL)
		if err != nil {
			return err
		}
		if ok {
			r.URL = resolved
		}
		return nil
	}
}

// IsPlainHTTP reports whether url starts with "http://" or "https://" (in any
// case): such URLs name their server and never go to a driver.
func IsPlainHTTP(url string) bool {
	if strings.HasPrefix(url, "http://") || strings.HasPrefix(url, "https://") {
		return true // the common spelling, without folding case
	}
	if len(url) < 7 || url[0]|0x20 != 'h' {
		return false
	}
	if len(url) >= 8 && strings.EqualFold(url[:8], "https://") {
		return true
	}
	return strings.EqualFold(url[:7], "http://")
}

func requestContext(r *resty.Request) context.Context {
	if ctx := r.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// ResolveHTTPURL resolves url through the driver in use when it implements
// [HTTPResolver], as the middleware does: for a client that sends HTTP
// requests outside resty. It returns url unchanged when url is plain HTTP,
// when the driver resolves no HTTP URLs, or when it does not own url.
func ResolveHTTPURL(ctx context.Context, url string) (string, error) {
	if IsPlainHTTP(url) {
		return url, nil
	}
	hr, ok := GetDriver().(HTTPResolver)
	if !ok {
		return url, nil
	}
	resolved, ok, err := hr.ResolveHTTP(ctx, url)
	if err != nil || !ok {
		return url, err
	}
	return resolved, nil
}

// init wires the middleware into the package's registry; it only sets a hook.
func init() { std.onUse = installHTTPMiddleware }
