package main

import "strings"

// compositeTable is table 6: the composite driver (driver-multi) against the
// driver that owns each corpus URI's scheme, from BenchmarkComposite in
// bench/multi (raw file composite.txt). ok is false without that file.
func compositeTable(files map[string]*file) (t table, ok bool) {
	f := files["composite"]
	if f == nil {
		return table{}, false
	}
	t = table{
		title: "6. Composite driver: routing by scheme against the driver that owns the scheme, same URIs",
		note: "ParseServerMethod on the parse corpus through the driver that owns each URI's scheme (direct) and " +
			"through dtm-driver-multi, which routes it there (BenchmarkComposite in bench/multi). Both are timed " +
			"interleaved, 64 calls of each per iteration, in the same run; each figure is the fastest batch per call " +
			"(median of the runs), the one other processes did not slow down. The last column is multi over direct: " +
			"what routing adds to a driver's split. A case where the two disagree shows its verdict.",
		head: []string{"case", "direct ns/op", "allocs", "multi ns/op", "allocs", "multi/direct"},
	}
	for _, res := range f.results {
		name, ok := strings.CutPrefix(res.name, "Composite/")
		if !ok {
			continue
		}
		t.rows = append(t.rows, []string{name, metric(res, "direct-ns/op"), metric(res, "direct-allocs/op"),
			metric(res, "multi-ns/op"), metric(res, "multi-allocs/op"), metric(res, "multi/direct") + "×"})
	}
	for _, r := range f.remarks {
		if r.kind == "verdict" {
			t.rows = append(t.rows, []string{r.name, "verdict: " + short(r.text, 80), "", "", "", ""})
		}
	}
	return t, true
}
