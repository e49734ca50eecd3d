package main

// The tables of the Consul and Polaris work (issue 15): the Polaris server's
// load per resolved service (3b), and the scale tables of every registry
// (4a-4f), built by scaleTablesOf from one description each.

// scale describes the scale tables of one registry.
type scale struct {
	file                      string // the raw output
	targetsTitle, updateTitle string
	holds                     string // what the registry holds for the targets run
	targetsNote, updateNote   string
}

var scales = []scale{
	{
		file:         "scale-gozero",
		targetsTitle: "4a. Scale (etcd, gozero driver): a client process resolving N targets",
		updateTitle:  "4b. Scale (etcd, gozero driver): one update while N instances are watched",
		holds:        "etcd holds 200 services",
		targetsNote:  "Idle CPU is at the noise floor of getrusage (well under 1 ms per second): each target is one etcd watch.",
		updateNote:   "go-zero hands gRPC at most 32 of the N addresses (its subset).",
	},
	{
		file:         "scale-consul",
		targetsTitle: "4c. Scale (Consul, consul driver): a client process resolving N targets",
		updateTitle:  "4d. Scale (Consul, consul driver): one update while N instances are watched",
		holds:        "the agent holds 150 services",
		targetsNote: "Each target holds one blocking query (one HTTP connection) open on the agent: the agent allows 200 " +
			"connections per client IP by default (limits.http_max_conns_per_client), so one client process resolves " +
			"at most about 200 Consul targets through one agent unless that limit is raised.",
		updateNote: "The instances are registered as zero-contrib does (TTL check kept passing); each update is a whole " +
			"new health list, decoded from JSON.",
	},
	{
		file:         "scale-polaris",
		targetsTitle: "4e. Scale (Polaris, polaris driver): a client process resolving N targets",
		updateTitle:  "4f. Scale (Polaris, polaris driver): one update while N instances are watched",
		holds:        "the server holds 100 services",
		targetsNote: "Each target asks the server every 100 ms (a Discover request with its revision; \"no change\" " +
			"answers are a few bytes): the idle CPU grows with the targets, and so does the server's (table 3b).",
		updateNote: "Each trial starts at a random phase of the server's 1 s naming-cache reload, which the update " +
			"waits for; the child's CPU covers its polls while it waits.",
	},
}

// polarisLoadTable is table 3b, from BenchmarkPropagation's load phase.
func polarisLoadTable(files map[string]*file) (table, bool) {
	f := files["propagation-polaris"]
	if f == nil {
		return table{}, false
	}
	d, g := f.result("Propagation/load/driver"), f.result("Propagation/load/polaris-go")
	if d == nil && g == nil {
		return table{}, false
	}
	t := table{
		title: "3b. Polaris server load per resolved service (same run as table 3)",
		note: "20 services of one instance each resolved by one client for 5 s without changes: the Discover " +
			"requests the server received for them (its API log) and its CPU time (/proc), per second and per " +
			"service, beyond the server's CPU while idle (measured first, without clients). The driver's resolver " +
			"asks every 100 ms with its revision; polaris-go v1.6.1 refreshes every 2 s by default.",
		head: []string{"client", "requests/s per service", "server CPU ms/s per service", "server CPU ms/s (all)", "idle server CPU ms/s", "services"},
	}
	for _, row := range []struct {
		label string
		r     *result
	}{{"polaris driver (Discover every 100 ms)", d}, {"polaris-go v1.6.1 consumer (2 s refresh)", g}} {
		if row.r == nil {
			continue
		}
		t.rows = append(t.rows, []string{row.label, metric(row.r, "req/s/service"), metric(row.r, "server-cpu-ms/s/service"),
			metric(row.r, "server-cpu-ms/s"), metric(row.r, "idle-server-cpu-ms/s"), metric(row.r, "services")})
	}
	if d != nil && g != nil {
		t.rows = append(t.rows, []string{"driver ÷ polaris-go", ratio(d, g, "req/s/service"), "", ratio(d, g, "server-cpu-ms/s"), "", ""})
	}
	return t, true
}
