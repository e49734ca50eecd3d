#!/usr/bin/env bash
# `make bench`: times our drivers beside the upstream ones and a direct gRPC
# connection, then writes docs/benchmarks.md, docs/propagation.png and the raw
# `go test -bench` outputs (benchstat-readable) in docs/bench-raw/.
#   scripts/bench.sh            (from the repository root; needs `make tools`)
# BENCH_CALLS (default 20000) and BENCH_COUNT (default 3) set the calls per
# sub-benchmark of BenchmarkCall and the -count of the parse and call runs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bin="${DTMDRIVERS_BIN:-$root/.bin}"
for b in consul polaris-server; do
  if [ ! -x "$bin/$b" ]; then
    echo "bench: $bin/$b is missing: run make tools" >&2
    exit 1
  fi
done
export DTMDRIVERS_BIN="$bin"
calls="${BENCH_CALLS:-20000}"
count="${BENCH_COUNT:-3}"
raw="$root/docs/bench-raw"
mkdir -p "$raw"
rm -f "$raw"/*.txt
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
start=$SECONDS

ours=(defaultdriver protocol1 gozero consul polaris)
echo "bench: building the test binaries: ours, one per driver with its registry clients, and upstream's (the first time: several minutes on 2 cores)"
for pkg in "${ours[@]}" balancer; do
  (cd bench && GOWORK=off go test -c -o "$work/$pkg.test" "./$pkg")
done
(cd bench/testdata/upstream && GOWORK=off go test -c -o "$work/upstream.test" .)
(cd bench/testdata/upstream-protocol1 && GOWORK=off go test -c -o "$work/upstream-protocol1.test" .)

# run NAME DIR BINARY ARGS...: runs a test binary in DIR (as go test would),
# stdout to docs/bench-raw/NAME.txt; its stderr is shown only if it fails.
run() {
  local name="$1" dir="$2" binary="$3"
  shift 3
  echo "bench: $name ($((SECONDS - start)) s)"
  if ! (cd "$dir" && "$binary" -test.run '^$' "$@") >"$raw/$name.txt" 2>"$work/$name.err"; then
    cat "$raw/$name.txt" "$work/$name.err" >&2
    echo "bench: $name failed" >&2
    exit 1
  fi
}

echo "bench: measuring with real registries and servers on loopback (about 4 minutes on 2 cores)"
# Ours and upstream's run in turns, one -count at a time, so that a change in
# the machine's load during the run weighs on both sides of a ratio alike.
parse=(-test.bench '^BenchmarkParse$' -test.benchtime 100ms -test.count 1)
for round in $(seq "$count"); do
  for pkg in "${ours[@]}"; do
    run "parse-ours-$pkg-$round" "bench/$pkg" "$work/$pkg.test" "${parse[@]}"
  done
  for d in default dtm-driver-gozero dtm-driver-kratos dtm-driver-polaris; do
    UPSTREAM_DRIVER="$d" run "parse-upstream-$d-$round" bench/testdata/upstream "$work/upstream.test" "${parse[@]}"
  done
  run "parse-upstream-dtm-driver-protocol1-$round" bench/testdata/upstream-protocol1 "$work/upstream-protocol1.test" "${parse[@]}"
done
for f in "$raw"/parse-*-1.txt; do
  name="${f%-1.txt}"
  cat "$name"-[0-9]*.txt >"$name.txt" && rm "$name"-[0-9]*.txt
done

for pkg in "${ours[@]}"; do
  run "call-$pkg" "bench/$pkg" "$work/$pkg.test" -test.bench '^BenchmarkCall$' -test.benchtime "${calls}x" -test.count "$count"
done
run http-consul bench/consul "$work/consul.test" -test.bench '^BenchmarkHTTP(Middleware|Call)$' -test.benchtime "${calls}x" -test.count "$count"
for pkg in gozero consul polaris; do
  run "propagation-$pkg" "bench/$pkg" "$work/$pkg.test" -test.bench '^BenchmarkPropagation$' -test.benchtime 1x
done
for pkg in gozero consul polaris; do
  run "scale-$pkg" "bench/$pkg" "$work/$pkg.test" -test.bench '^BenchmarkScale$' -test.benchtime 1x
done
run pick-balancer bench/balancer "$work/balancer.test" -test.bench '^BenchmarkPick$' -test.benchtime 200ms -test.count "$count"

echo "bench: report ($((SECONDS - start)) s)"
(cd bench && GOWORK=off go run ./cmd/benchreport -raw "$raw" -md "$root/docs/benchmarks.md" -png "$root/docs/propagation.png" -elapsed "$((SECONDS - start))s")
