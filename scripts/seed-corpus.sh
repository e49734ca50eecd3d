#!/usr/bin/env bash
# Adds one checked-in seed to a string fuzz target's corpus (needs python3):
#   scripts/seed-corpus.sh PKGDIR FuzzName SEEDNAME 'input'
set -euo pipefail
dir="$1/testdata/fuzz/$2"
mkdir -p "$dir"
printf 'go test fuzz v1\nstring(%s)\n' "$(printf '%s' "$4" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')" > "$dir/$3"
