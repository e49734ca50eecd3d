// Package bench holds what `make bench` measures of our drivers, side by side with
// the upstream drivers (timed from their own pinned modules under testdata/) and
// with a direct connection. Users never import it.
//
// One package per driver (defaultdriver, protocol1, gozero, consul, polaris),
// because a process links one driver, as dtm does. Each has:
//
//	BenchmarkParse        ParseServerMethod on the shared corpus (package corpus)
//	BenchmarkCall         health calls through the driver and directly to
//	                      host:port, same server, same run (-benchtime Nx)
//	BenchmarkPropagation  registry change to resolver update, p50/p99 over
//	                      repeated trials (gozero, consul, polaris; -benchtime 1x)
//	BenchmarkScale        a client process resolving many targets, and one
//	                      update among many instances (gozero; -benchtime 1x)
//
// Package balancer times a pick of dtmdriver/weighted's policy, which the
// Consul and Polaris drivers select, against gRPC's round_robin
// (BenchmarkPick, table 5). BenchmarkParse times each driver twice: as dtm
// calls it, from the driver's dtmdriver.ParseCache, and with the cache off.
//
// The registry benchmarks start real registries (testenv) on loopback and
// need `make tools`; `go test` without -bench starts none. scripts/bench.sh
// runs them all and cmd/benchreport turns the raw outputs into
// docs/benchmarks.md and docs/propagation.png.
package bench
