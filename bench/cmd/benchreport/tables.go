package main

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// table is one table of the report, printed as text and as Markdown.
type table struct {
	title, note string
	head        []string
	rows        [][]string
}

func (t table) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "== %s\n", t.title)
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, strings.Join(t.head, "\t"))
	for _, r := range t.rows {
		fmt.Fprintln(w, strings.Join(r, "\t"))
	}
	_ = w.Flush()
	return b.String()
}

func (t table) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## %s\n\n", t.title)
	if t.note != "" {
		fmt.Fprintf(&b, "%s\n\n", t.note)
	}
	fmt.Fprintf(&b, "| %s |\n|%s\n", strings.Join(t.head, " | "), strings.Repeat("---|", len(t.head)))
	for _, r := range t.rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
	}
	return b.String()
}

// bar is one row of the propagation chart.
type bar struct {
	label           string
	p50, p99, maxMs float64
}

type report struct {
	tables      []table
	propagation []bar
}

// Frameworks of the parse corpus, our bench package for each, and the
// upstream drivers that claim it.
var frameworks = []struct {
	name, ours string
	upstream   []string
}{
	{"default", "defaultdriver", []string{"default"}},
	{"protocol1", "protocol1", []string{"dtm-driver-protocol1"}},
	{"gozero", "gozero", []string{"dtm-driver-gozero"}},
	{"consul", "consul", []string{"dtm-driver-gozero", "dtm-driver-kratos"}},
	{"polaris", "polaris", []string{"dtm-driver-polaris"}},
}

func build(files map[string]*file) report {
	var r report
	r.tables = append(r.tables, parseTable(files), callTable(files))
	r.tables = append(r.tables, httpTable(files))
	pt, bars := propagationTable(files)
	r.tables = append(r.tables, pt)
	r.propagation = bars
	if t, ok := polarisLoadTable(files); ok {
		r.tables = append(r.tables, t)
	}
	r.tables = append(r.tables, scaleTables(files)...)
	if t, ok := weightedTable(files); ok {
		r.tables = append(r.tables, t)
	}
	return r
}

func num(v float64) string {
	switch {
	case v == math.Trunc(v) && math.Abs(v) < 1e9:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'g', 2, 64)
	}
}

func metric(r *result, unit string) string {
	if v, ok := r.get(unit); ok {
		return num(v)
	}
	return "-"
}

func ratio(a, b *result, unit string) string {
	x, ok1 := a.get(unit)
	y, ok2 := b.get(unit)
	if !ok1 || !ok2 || y == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", x/y)
}

func short(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func remarkFor(f *file, name string) *remark {
	if f == nil {
		return nil
	}
	for i := range f.remarks {
		if f.remarks[i].name == name {
			return &f.remarks[i]
		}
	}
	return nil
}

func parseTable(files map[string]*file) table {
	t := table{
		title: "1. ParseServerMethod: ours against upstream, same URIs",
		note: "Median ns/op of the runs (-count) and allocs/op. A split upstream gets wrong (a panic, an error, " +
			"another method, or accepting a malformed URI) is not timed: its verdict is shown. A note marks a split " +
			"with the right method and another server string, which may be another spelling of the same target; it is timed. " +
			"Ours is timed twice: as dtm calls it, the same URI on every call, answered from the driver's " +
			"dtmdriver.ParseCache after the second call (cached), and with the cache off, the full parse on every call " +
			"(uncached). The last columns are upstream's ns/op over ours, each way.",
		head: []string{"case", "ours ns/op cached", "allocs", "ours ns/op uncached", "allocs",
			"upstream", "upstream ns/op", "allocs", "upstream/ours cached", "upstream/ours uncached"},
	}
	for _, fw := range frameworks {
		ours := files["parse-ours-"+fw.ours]
		if ours == nil {
			continue
		}
		for _, res := range ours.results {
			name, ok := strings.CutPrefix(res.name, "Parse/")
			if !ok || strings.HasPrefix(name, "uncached/") {
				continue
			}
			unc := ours.result("Parse/uncached/" + name)
			oursNs, uncNs := metric(res, "ns/op"), metric(unc, "ns/op")
			if v := remarkFor(ours, name); v != nil && v.kind == "verdict" {
				oursNs, uncNs = "verdict: "+short(v.text, 60), ""
			}
			for i, up := range fw.upstream {
				row := []string{name, oursNs, metric(res, "allocs/op"), uncNs, metric(unc, "allocs/op")}
				if i > 0 {
					row = []string{"", "", "", "", ""}
				}
				uf := files["parse-upstream-"+up]
				ur := (*result)(nil)
				if uf != nil {
					ur = uf.result(res.name)
				}
				upNs, upAllocs, rel, relUnc := "-", "-", "-", "-"
				if ur != nil {
					upNs, upAllocs = metric(ur, "ns/op"), metric(ur, "allocs/op")
					rel, relUnc = ratio(ur, res, "ns/op"), ratio(ur, unc, "ns/op")
				}
				if v := remarkFor(uf, name); v != nil {
					if v.kind == "verdict" {
						upNs, upAllocs, rel, relUnc = "verdict: "+short(v.text, 70), "", "", ""
					} else {
						upNs += " (note: " + short(v.text, 60) + ")"
					}
				}
				t.rows = append(t.rows, append(row, up, upNs, upAllocs, rel, relUnc))
			}
		}
	}
	return t
}

var callDrivers = []struct{ pkg, label string }{
	{"defaultdriver", "default (control: both dial host:port)"},
	{"protocol1", "protocol1 (static list)"},
	{"gozero", "gozero (etcd)"},
	{"consul", "consul"},
	{"polaris", "polaris"},
}

func callTable(files map[string]*file) table {
	t := table{
		title: "2. A branch call through each driver against a direct host:port connection",
		note: "gRPC health calls to one server on loopback, warm connections, a fixed number of calls per run " +
			"(median of the runs). Sequential calls give p50/p99 latency; parallel calls (b.RunParallel, GOMAXPROCS " +
			"goroutines) give throughput. Ratios are driver over direct: 1.00× is no difference. The default driver " +
			"dials the same string both ways, so its row shows the spread of this run on this machine: a driver's ratio " +
			"within that spread is no measurable difference.",
		head: []string{"driver", "p50 µs direct", "p50 µs driver", "ratio", "p99 µs direct", "p99 µs driver", "ratio",
			"calls/s direct", "calls/s driver", "ratio"},
	}
	for _, d := range callDrivers {
		f := files["call-"+d.pkg]
		if f == nil {
			continue
		}
		sd, sv := f.result("Call/Call/direct"), f.result("Call/Call/driver")
		pd, pv := f.result("Call/CallParallel/direct"), f.result("Call/CallParallel/driver")
		t.rows = append(t.rows, []string{d.label,
			metric(sd, "p50-us"), metric(sv, "p50-us"), ratio(sv, sd, "p50-us"),
			metric(sd, "p99-us"), metric(sv, "p99-us"), ratio(sv, sd, "p99-us"),
			metric(pd, "calls/s"), metric(pv, "calls/s"), ratio(pv, pd, "calls/s")})
	}
	return t
}

var registries = []struct{ file, key, label, short string }{
	{"propagation-gozero", "etcd", "etcd, gozero driver (go-zero's resolver)", "etcd, gozero driver"},
	{"propagation-consul", "consul", "Consul, consul driver (blocking queries)", "Consul, consul driver"},
	{"propagation-consul", "consul-poll-1s", "Consul, 1 s polling baseline", "Consul, 1 s poll baseline"},
	{"propagation-polaris", "polaris", "Polaris, polaris driver (Discover every 100 ms)", "Polaris, polaris driver"},
	{"propagation-polaris", "polaris-floor", "Polaris, the server's naming cache (floor, read every 20 ms)", "Polaris, server cache floor"},
	{"propagation-polaris", "polaris-go", "Polaris, polaris-go v1.6.1 consumer (2 s refresh, the former resolver)", "Polaris, polaris-go"},
}

func propagationTable(files map[string]*file) (table, []bar) {
	t := table{
		title: "3. Discovery propagation: registry change to resolver update",
		note: "From the registry API call to the resolver's UpdateState (a recording resolver.ClientConn stands in " +
			"for gRPC's side; the registries are real, on loopback). register: an instance appears; deregister: it is " +
			"removed (etcd: its lease revoked). A crashed instance is removed only when its lease or TTL ends, on top. " +
			"etcd is embedded in the benchmark process; Consul and Polaris run as processes.",
		head: []string{"registry", "event", "p50 ms", "p99 ms", "max ms", "trials"},
	}
	var bars []bar
	for _, reg := range registries {
		f := files[reg.file]
		if f == nil {
			continue
		}
		for _, ev := range []string{"register", "deregister"} {
			res := f.result("Propagation/" + reg.key + "/" + ev)
			if res == nil {
				continue
			}
			t.rows = append(t.rows, []string{reg.label, ev, metric(res, "p50-ms"), metric(res, "p99-ms"),
				metric(res, "max-ms"), metric(res, "trials")})
			p50, _ := res.get("p50-ms")
			p99, _ := res.get("p99-ms")
			mx, _ := res.get("max-ms")
			bars = append(bars, bar{label: reg.short + ": " + ev, p50: p50, p99: p99, maxMs: mx})
		}
	}
	return t, bars
}

var sizeRE = regexp.MustCompile(`=(\d+)`)

func size(name string) float64 {
	m := sizeRE.FindStringSubmatch(name)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

func scaleTables(files map[string]*file) []table {
	var ts []table
	for _, sc := range scales {
		if f := files[sc.file]; f != nil {
			ts = append(ts, scaleTablesOf(f, sc)...)
		}
	}
	return ts
}

func scaleTablesOf(f *file, sc scale) []table {
	targets := table{
		title: sc.targetsTitle,
		note: "A child process dials N services of one instance each (" + sc.holds + ") through the driver, " +
			"or the same N connections as host:port (gRPC alone), and makes one call on each. Its live heap and " +
			"goroutines after that (deltas from before dialling), the CPU it used to get there, and its CPU per " +
			"second over 3 s idle with N watches open. The growth rows are the cost of each target beyond the first size. " +
			"A negative growth means none measurable. " + sc.targetsNote,
		head: []string{"targets", "dial", "heap KB", "heap KB/target", "goroutines", "setup CPU ms", "idle CPU ms/s"},
	}
	units := []string{"heap-KB", "heap-KB/target", "goroutines", "setup-cpu-ms", "idle-cpu-ms/s"}
	var sizes []float64
	for _, res := range f.results {
		if !strings.HasPrefix(res.name, "Scale/targets=") {
			continue
		}
		n := size(res.name)
		if !slices.Contains(sizes, n) {
			sizes = append(sizes, n)
		}
		row := []string{strconv.Itoa(int(n)), res.name[strings.LastIndex(res.name, "/")+1:]}
		for _, u := range units {
			row = append(row, metric(res, u))
		}
		targets.rows = append(targets.rows, row)
	}
	if len(sizes) >= 2 {
		lo, hi := sizes[0], sizes[len(sizes)-1]
		slope := map[string][]float64{}
		for _, via := range []string{"direct", "driver"} {
			a := f.result(fmt.Sprintf("Scale/targets=%d/%s", int(lo), via))
			b := f.result(fmt.Sprintf("Scale/targets=%d/%s", int(hi), via))
			row := []string{fmt.Sprintf("growth %d→%d", int(lo), int(hi)), via + ", per target"}
			for _, u := range units {
				x, ok1 := a.get(u)
				y, ok2 := b.get(u)
				if !ok1 || !ok2 || u == "heap-KB/target" {
					row = append(row, "")
					slope[via] = append(slope[via], 0)
					continue
				}
				s := (y - x) / (hi - lo)
				slope[via] = append(slope[via], s)
				row = append(row, num(s))
			}
			targets.rows = append(targets.rows, row)
		}
		row := []string{"", "driver − direct, per target"}
		for i, u := range units {
			if u == "heap-KB/target" {
				row = append(row, "")
				continue
			}
			row = append(row, num(slope["driver"][i]-slope["direct"][i]))
		}
		targets.rows = append(targets.rows, row)
	}
	update := table{
		title: sc.updateTitle,
		note: "A child process watches one service of N instances with the driver's resolver; each trial adds one " +
			"instance. Time from the trial's start to the resolver's update (median and p99), and the child's CPU " +
			"and bytes allocated for that update (medians). " + sc.updateNote,
		head: []string{"instances", "p50 ms", "p99 ms", "CPU µs/update", "alloc KB/update"},
	}
	for _, res := range f.results {
		if !strings.HasPrefix(res.name, "Scale/update/") {
			continue
		}
		update.rows = append(update.rows, []string{strconv.Itoa(int(size(res.name))), metric(res, "p50-ms"),
			metric(res, "p99-ms"), metric(res, "cpu-us/update"), metric(res, "alloc-KB/update")})
	}
	return []table{targets, update}
}

func (r report) markdown(env []string, png, raw string) string {
	var b strings.Builder
	b.WriteString("# Benchmarks\n\n")
	b.WriteString("Generated by `make bench` (scripts/bench.sh, then bench/cmd/benchreport); do not edit by hand.\n\n")
	for _, e := range env {
		fmt.Fprintf(&b, "- %s\n", e)
	}
	b.WriteString("\nEvery comparison is a ratio of figures measured in the same run, or a count. Absolute times " +
		"are shown but do not carry across machines; this one is shared, so expect a few percent of noise " +
		"between runs (the default driver's row of table 2 shows it).\n\n")
	fmt.Fprintf(&b, "Raw outputs, benchstat-readable: [%s/](%s/) (`benchstat %s/call-gozero.txt`).\n\n", raw, raw, raw)
	for i, t := range r.tables {
		b.WriteString(t.markdown())
		b.WriteString("\n")
		if strings.HasPrefix(t.title, "3.") {
			fmt.Fprintf(&b, "![propagation latency per registry](%s)\n\n", png)
		}
		_ = i
	}
	b.WriteString(methodNotes)
	return b.String()
}

const methodNotes = `## How it is measured

- Parse: ` + "`BenchmarkParse`" + ` in each bench/<driver> package and in the upstream modules under
  bench/testdata (pinned to upstream's own versions: they do not build with the workspace's gRPC),
  on the shared corpus bench/corpus/parse.tsv.
- Calls: ` + "`BenchmarkCall`" + `. One real gRPC health server, registered with the driver's own
  ` + "`RegisterGrpcService`" + ` (as dtm publishes itself), dialled with ` + "`grpc.Dial`" + ` on
  ` + "`ParseServerMethod`" + `'s server (as dtm dials a branch) and directly as host:port.
- Propagation: ` + "`BenchmarkPropagation`" + `. etcd: a Put under a lease (as go-zero's publisher
  registers) and its Revoke, 100 trials in sequence. Consul: agent service registration (passing) and
  deregistration, 20 trials at random phases of the 1 s poller, which is written in the benchmark
  (a plain passing-only health query every second). Polaris: registration and deregistration through
  the server's HTTP API without health check, 24 trials at once on separate services, each seen by three
  observers at once: the driver's resolver, the server's naming cache read every 20 ms over HTTP (the
  floor: the cache reloads every second, and Polaris v1.18.1's pushes, Nacos and xDS, fire on that same
  reload) and polaris-go v1.6.1's consumer cache (its default 2 s refresh; what the driver resolved
  through before). Polaris load (3b): Discover requests counted in the server's API log, server CPU
  from /proc, each over 5 s with 20 services resolved and no changes, minus the server's idle CPU.
- Scale: ` + "`BenchmarkScale`" + ` (etcd, Consul, Polaris; shared code in bench/internal/benchkit). The
  measured client is a child copy of the test binary, so that the registry's own work is not counted.
  Heap is HeapInuse after two GCs, CPU is getrusage user+system.
- Not measured: the upstream drivers' calls and propagation (upstream builds only against gRPC v1.48
  and frameworks of 2022, in modules of their own).
`
