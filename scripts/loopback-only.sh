#!/usr/bin/env bash
# Runs a command in a private network namespace whose only interface is loopback.
# The real dtm server v1.19.0 listens on ":port", every interface, and cannot be
# told otherwise; inside this namespace every interface is loopback, so nothing it
# opens is reachable from outside the machine. Go modules must already be in the
# module cache: the namespace has no network, and GOPROXY is off inside it.
#   scripts/loopback-only.sh CMD [ARG...]
set -euo pipefail
if [ "$(id -u)" -eq 0 ]; then flags=(-n); else flags=(-r -n); fi
if ! unshare "${flags[@]}" true 2>/dev/null; then
  echo "loopback-only: cannot create a network namespace (unshare ${flags[*]}); refusing to run servers that listen on every interface" >&2
  exit 1
fi
exec unshare "${flags[@]}" env GOPROXY=off bash -c 'ip link set lo up && exec "$@"' bash "$@"
