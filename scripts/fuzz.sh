#!/usr/bin/env bash
# Runs every fuzz target of the given modules for FUZZTIME each (default 10s).
#   scripts/fuzz.sh MODULE...
set -euo pipefail
fuzztime="${FUZZTIME:-10s}"
for mod in "$@"; do
  (
    cd "$mod"
    for pkg in $(GOWORK=off go list ./...); do
      for target in $(GOWORK=off go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
        echo "fuzz $pkg $target for $fuzztime"
        GOWORK=off go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"
      done
    done
  )
done
