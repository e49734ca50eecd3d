#!/usr/bin/env bash
# Proves `make new-driver` works: in a scratch copy of the core and the template, it
# creates driver-zzcheck and runs the new module's tests, unchanged, in and out of
# the workspace.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp -R "$root/dtmdriver" "$root/driver-protocol1" "$root/scripts" "$tmp/"
cp "$root/go.work" "$root/versions.yaml" "$tmp/"
cd "$tmp"
# Keep the workspace's settings; drop the modules this scratch copy lacks.
for dir in $(go work edit -json | sed -n 's/.*"DiskPath": "\(.*\)".*/\1/p'); do
  [ -d "$dir" ] || go work edit -dropuse="$dir"
done
scripts/new-driver.sh zzcheck
grep -q './driver-zzcheck' go.work || { echo "test-new-driver: go.work does not list driver-zzcheck" >&2; exit 1; }
grep -q '^      - github.com/dtmdrivers/drivers/driver-zzcheck$' versions.yaml || { echo "test-new-driver: versions.yaml does not publish driver-zzcheck" >&2; exit 1; }
if grep -rn protocol1 driver-zzcheck; then echo "test-new-driver: protocol1 left in the copy" >&2; exit 1; fi
(cd driver-zzcheck && GOWORK=off go test -count=1 ./... && go test -count=1 ./...)
echo "test-new-driver: driver-zzcheck created and its tests pass"
