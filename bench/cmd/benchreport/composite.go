package main

import "strings"

// compositeTable is table 6: the composite driver (driver-multi) against the
// driver that owns each corpus URI's scheme, with the parse caches on and
// off, from BenchmarkComposite in bench/multi (raw file composite.txt). ok is
// false without that file.
func compositeTable(files map[string]*file) (t table, ok bool) {
	f := files["composite"]
	if f == nil {
		return table{}, false
	}
	t = table{
		title: "6. Composite driver: routing by scheme against the driver that owns the scheme, same URIs",
		note: "ParseServerMethod on the parse corpus through the driver that owns each URI's scheme (direct) and " +
			"through dtm-driver-multi, which routes it there (BenchmarkComposite in bench/multi): with the parse " +
			"caches on (cached: dtm's hot path, the same URI on every branch call; the composite keeps its own " +
			"dtmdriver.ParseCache, as every driver does) and off (uncached: routing and the full parse on every call). " +
			"Both are timed interleaved, 64 calls of each per iteration, in the same run; each figure is the fastest " +
			"batch per call (median of the runs), the one other processes did not slow down. Ratios are multi over " +
			"direct: what the composite adds. A case where the two disagree shows its verdict.",
		head: []string{"case", "direct cached", "multi cached", "multi/direct", "direct uncached", "multi uncached",
			"multi/direct", "allocs uncached: direct, multi"},
	}
	for _, res := range f.results {
		name, ok := strings.CutPrefix(res.name, "Composite/")
		if !ok {
			continue
		}
		c, ok := strings.CutSuffix(name, "/cached")
		if !ok {
			continue
		}
		un := f.result("Composite/" + c + "/uncached")
		t.rows = append(t.rows, []string{c,
			metric(res, "direct-ns/op"), metric(res, "multi-ns/op"), metric(res, "multi/direct") + "×",
			metric(un, "direct-ns/op"), metric(un, "multi-ns/op"), metric(un, "multi/direct") + "×",
			metric(un, "direct-allocs/op") + ", " + metric(un, "multi-allocs/op")})
	}
	for _, r := range f.remarks {
		if r.kind == "verdict" {
			t.rows = append(t.rows, []string{r.name, "verdict: " + short(r.text, 80), "", "", "", "", "", ""})
		}
	}
	return t, true
}
