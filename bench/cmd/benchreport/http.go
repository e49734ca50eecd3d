package main

// httpTable is table 2b: HTTP branches through the registry (issue #13),
// from docs/bench-raw/http-consul.txt (bench/consul's BenchmarkHTTPMiddleware
// and BenchmarkHTTPCall).
func httpTable(files map[string]*file) table {
	t := table{
		title: "2b. HTTP branches through the registry: the middleware's cost and a call against a direct URL",
		note: "The consul driver, a Consul agent v1.16.6 and one net/http server on loopback. Middleware: " +
			"github.com/dtm-labs/dtmdriver's Middlewares.HTTP as the driver's selection installs it, on one resty " +
			"request, for a consul:// URL (the service's watch already listing it) and for a plain http:// URL, " +
			"which every driver passes through before any work. Call: a POST as dtm sends a branch " +
			"(resty with dtmimp.AddRestyMiddlewares), sequential, by the consul:// URL and by the direct URL in the " +
			"same run (median of the runs); ratios are driver over direct.",
		head: []string{"what", "direct", "through the driver", "ratio"},
	}
	f := files["http-consul"]
	if f == nil {
		return t
	}
	owned, plain := f.result("HTTPMiddleware/consul"), f.result("HTTPMiddleware/plain")
	t.rows = append(t.rows,
		[]string{"middleware ns/op (plain http:// URL → consul:// URL)", metric(plain, "ns/op"), metric(owned, "ns/op"), "-"},
		[]string{"middleware allocs/op (plain → consul://)", metric(plain, "allocs/op"), metric(owned, "allocs/op"), "-"},
		[]string{"middleware B/op (plain → consul://)", metric(plain, "B/op"), metric(owned, "B/op"), "-"})
	direct, driver := f.result("HTTPCall/direct"), f.result("HTTPCall/driver")
	t.rows = append(t.rows,
		[]string{"HTTP branch call p50 µs", metric(direct, "p50-us"), metric(driver, "p50-us"), ratio(driver, direct, "p50-us")},
		[]string{"HTTP branch call p99 µs", metric(direct, "p99-us"), metric(driver, "p99-us"), ratio(driver, direct, "p99-us")})
	return t
}
