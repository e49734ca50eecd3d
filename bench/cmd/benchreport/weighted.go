package main

import (
	"strings"
)

// weightedTable is table 5: a pick of dtm_weighted_round_robin against one of
// gRPC's round_robin, from BenchmarkPick (bench/balancer).
func weightedTable(files map[string]*file) (table, bool) {
	f := files["pick-balancer"]
	if f == nil {
		return table{}, false
	}
	t := table{
		title: "5. Weighted balancer: a pick, dtm_weighted_round_robin against round_robin",
		note: "The Consul and Polaris drivers select dtm_weighted_round_robin (package dtmdriver/weighted), which " +
			"spreads calls in proportion to the registry's instance weights; gRPC's round_robin ignores them. Both " +
			"policies run on real channels to real servers on loopback; the benchmark calls the picker the channel " +
			"holds once every endpoint is ready, one goroutine (seq) or GOMAXPROCS of them (parallel). Median ns per " +
			"pick of the runs, allocs per pick, and ours over round_robin in the same run (1.00× is no difference). " +
			"A pick is a small part of a call: see table 2 for a whole call (tens of µs).",
		head: []string{"endpoints / weights", "mode", "round_robin ns/pick", "ours ns/pick", "ours allocs", "ours/round_robin"},
	}
	const ours = "/dtm_weighted_round_robin/"
	for _, res := range f.results {
		name, ok := strings.CutPrefix(res.name, "Pick/")
		if !ok || !strings.Contains(name, ours) {
			continue
		}
		shape, mode, _ := strings.Cut(name, ours)
		rr := f.result("Pick/" + shape + "/round_robin/" + mode)
		t.rows = append(t.rows, []string{shape, mode, metric(rr, "ns/op"), metric(res, "ns/op"),
			metric(res, "allocs/op"), ratio(res, rr, "ns/op")})
	}
	return t, true
}
