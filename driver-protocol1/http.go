package protocol1

import (
	"context"
	"strings"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// httpForm is the HTTP URL form: a static list of host:port, then the path
// and query, sent to the instances in round robin over plain http.
// FRAMEWORK: a registry-backed driver names its service and options here.
const httpForm dtmdriver.URIForm = "protocol1://host:port[,host:port]/path[?query]"

// httpWatches hold one "watch" per address list: the list is static, so the
// watch lists it once; HTTPWatches gives the round robin, and stops the
// watches of lists no call has used for a while (the lists come from the
// URLs clients submit).
// FRAMEWORK: a registry-backed driver keeps these in its driver value and
// closes them in Close.
var httpWatches dtmdriver.HTTPWatches

var _ dtmdriver.HTTPResolver = driver{}

// ResolveHTTP rewrites "protocol1://h1:p1,h2:p2/path?q" to "http://hN:pN/path?q",
// taking the addresses in turn. Any URL without the protocol1:// prefix is
// returned unchanged with ok false, without allocating.
// FRAMEWORK: keep the prefix check first: the middleware runs on every HTTP
// call of the process.
func (driver) ResolveHTTP(ctx context.Context, url string) (string, bool, error) {
	rest, ok := strings.CutPrefix(url, prefix)
	if !ok {
		return url, false, nil
	}
	list, tail := rest, ""
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		list, tail = rest[:i], rest[i:]
	}
	inst, err := httpWatches.Pick(ctx, list, staticSource{})
	if err != nil {
		return "", true, err
	}
	return inst.Scheme + "://" + inst.Addr + tail, true, nil
}

// staticSource lists a static address list once. It is empty, so that
// passing it allocates nothing.
type staticSource struct{}

func (staticSource) HTTPWatch(list string) (dtmdriver.HTTPWatchFunc, error) {
	if reason := dtmdriver.RefuseCredentials(list); reason != "" {
		return nil, httpForm.Reject(prefix+list, reason)
	}
	if reason := checkAddrs(list); reason != "" {
		return nil, httpForm.Reject(prefix+list, reason)
	}
	var insts []dtmdriver.HTTPInstance
	for addr := range strings.SplitSeq(list, ",") {
		insts = append(insts, dtmdriver.HTTPInstance{Scheme: "http", Addr: addr})
	}
	return func(ctx context.Context, update func([]dtmdriver.HTTPInstance, error)) {
		update(insts, nil)
		<-ctx.Done()
	}, nil
}
