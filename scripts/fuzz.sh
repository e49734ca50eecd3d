#!/usr/bin/env bash
# Runs every fuzz target of the given modules for FUZZTIME each (default 10s).
#   scripts/fuzz.sh MODULE...
# A cmd/ module requires its siblings at the release version with no replace:
# FUZZ_IN_WORKSPACE=1 fuzzes it in the workspace (the Makefile's fuzz/cmd/%).
set -euo pipefail
fuzztime="${FUZZTIME:-10s}"
gowork=off
if [ -n "${FUZZ_IN_WORKSPACE:-}" ]; then gowork=; fi
for mod in "$@"; do
  (
    cd "$mod"
    for pkg in $(GOWORK=$gowork go list ./...); do
      for target in $(GOWORK=$gowork go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
        echo "fuzz $pkg $target for $fuzztime"
        GOWORK=$gowork go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"
      done
    done
  )
done
