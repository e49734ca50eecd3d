#!/usr/bin/env bash
# `make release VERSION=vX.Y.Z`: moves the release set of versions.yaml to
# VERSION, rewrites every sibling requirement to it, and prints the per-module
# tags to push. It changes files in this repository only: no commit, no tag,
# no push. Review, commit, run `make test` (its check-publish builds client
# apps from the modules as they will be served), then create and push the
# tags it printed.
#   scripts/release.sh vX.Y.Z
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
version="${1:-}"
prefix=github.com/dtmdrivers/drivers
if [[ ! "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "release: VERSION must be a semantic version vX.Y.Z (got '${version}')" >&2
  exit 2
fi
old=$(awk '/^module-sets:/{s=1} s && $1=="version:"{print $2; exit}' versions.yaml)
# The first "version:" under module-sets is the set's.
awk -v v="$version" '/^module-sets:/{s=1} s && !done && $1=="version:"{sub(/version: .*/, "version: " v); done=1} {print}' \
  versions.yaml >versions.yaml.new && mv versions.yaml.new versions.yaml

n=0
while read -r gomod; do
  args=()
  while read -r path; do
    [ -n "$path" ] && args+=(-require "$path@$version")
  done < <(GOWORK=off go mod edit -json "$gomod" |
    awk -F'"' -v p="$prefix/" '/"Require"/{r=1} /"Replace"|"Exclude"/{r=0} r && /"Path"/ && index($4,p)==1 {print $4}')
  if [ ${#args[@]} -gt 0 ]; then
    GOWORK=off go mod edit "${args[@]}" "$gomod"
    n=$((n+1))
  fi
done < <(git ls-files --cached --others --exclude-standard '*go.mod' | grep -v '^tools/')
echo "release: $old -> $version in versions.yaml and $n go.mod files"
echo "release: after committing, tag and push:"
awk '/^module-sets:/{s=1} /^excluded-modules:/{s=0} s && $1=="-"{print $2}' versions.yaml |
  while read -r m; do echo "  git tag ${m#"$prefix/"}/$version"; done
echo "  git push origin $(awk '/^module-sets:/{s=1} /^excluded-modules:/{s=0} s && $1=="-"{print $2}' versions.yaml |
  while read -r m; do printf '%s ' "${m#"$prefix/"}/$version"; done)"
