#!/usr/bin/env bash
# `make check-publish`: proves that the modules work for people outside this
# repository, as they will be served once tagged.
#  1. Every go.mod requires its siblings at the release version of versions.yaml,
#     and a published module requires only published siblings.
#  2. The published modules are laid out as a file-based module proxy
#     (tools/publish, with golang.org/x/mod/zip as the go command makes zips).
#  3. Outside the repository, with GOWORK=off and no replace, a client app per
#     driver requires the driver at the release version, selects it with
#     dtmdriver.Use and splits a branch URI; a second app imports only the
#     driver's "use" package and splits through github.com/dtm-labs/dtmdriver,
#     as dtmgrpc does. Neither may link a registry server, a test SDK or our
#     test helpers (go list -deps).
# Third-party modules come from the local module cache first, so a warm run is
# offline. Our modules get a module cache of their own (.bin/check-publish/modcache),
# emptied of them on every run, because their content changes between runs
# while their version does not.
#   scripts/check-publish.sh            (from the repository root)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
start=$SECONDS
prefix=github.com/dtmdrivers/drivers
say() { echo "check-publish: $*"; }
fail() { echo "check-publish: FAIL: $*" >&2; exit 1; }

# --- 1. The release set and the requirements between our modules -------------
version=$(awk '/^module-sets:/{s=1} s && $1=="version:"{print $2; exit}' versions.yaml)
mapfile -t published < <(awk '/^module-sets:/{s=1} /^excluded-modules:/{s=0} s && $1=="-"{print $2}' versions.yaml)
mapfile -t excluded < <(awk '/^excluded-modules:/{s=1} s && $1=="-"{print $2}' versions.yaml)
[[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "versions.yaml: no vX.Y.Z version in its module set (got '$version')"
say "release set $version: ${#published[@]} modules"

in_list() { local x="$1"; shift; local y; for y in "$@"; do [ "$x" = "$y" ] && return 0; done; return 1; }
errors=0
while read -r gomod; do
  dir=$(dirname "$gomod")
  mod=$(GOWORK=off go mod edit -json "$gomod" | awk -F'"' '/"Module": \{/{m=1} m && /"Path"/{print $4; exit}')
  if ! in_list "$mod" "${published[@]}" && ! in_list "$mod" "${excluded[@]}"; then
    case "$gomod" in */testdata/*) ;; *) echo "  $gomod: module $mod is in neither the module set nor excluded-modules of versions.yaml" >&2; errors=$((errors+1));; esac
  fi
  while read -r path ver; do
    [ -z "$path" ] && continue
    if [ "$ver" != "$version" ]; then
      echo "  $gomod: requires $path $ver, not the release version $version" >&2; errors=$((errors+1))
    fi
    if in_list "$mod" "${published[@]}" && ! in_list "$path" "${published[@]}"; then
      echo "  $gomod: published module $mod requires $path, which is not published" >&2; errors=$((errors+1))
    fi
  done < <(GOWORK=off go mod edit -json "$gomod" | awk -F'"' -v p="$prefix/" '/"Require"/{r=1} /"Replace"|"Exclude"/{r=0} r && /"Path"/ && index($4,p)==1 {path=$4} r && /"Version"/ && path!="" {print path, $4; path=""}')
  case "$dir" in cmd/*)
    if GOWORK=off go mod edit -json "$gomod" | grep -q '"Replace": \['; then
      echo "  $gomod: has replace directives, which go install <path>@<version> refuses" >&2; errors=$((errors+1))
    fi;;
  esac
done < <(git ls-files --cached --others --exclude-standard '*go.mod' | grep -v '^tools/')
[ "$errors" -eq 0 ] || fail "$errors requirement(s) outside the release set"
say "every sibling requirement is at $version"

# --- 2. The file-based module proxy ------------------------------------------
work="$root/.bin/check-publish"
proxy="$work/proxy"
modcache="$work/modcache"
mkdir -p "$work" "$modcache"
rm -rf "$proxy"
dirs=()
for m in "${published[@]}"; do dirs+=("${m#"$prefix/"}"); done
say "laying out the modules as a module proxy; the first run also builds every driver and dtm outside the repo (several minutes on 2 cores)"
(cd tools/publish && GOWORK=off go build -o "$work/publish" .)
"$work/publish" -out "$proxy" -version "$version" "${dirs[@]}" >/dev/null
chmod -R u+w "$modcache/cache/download/$prefix" "$modcache/$prefix"* 2>/dev/null || true
rm -rf "$modcache/cache/download/$prefix" "$modcache/github.com/dtmdrivers"
say "laid out ${#dirs[@]} modules in $proxy"

# Outside the repository: no go.work above, no replace; our proxy first, then
# the developer's module cache as a proxy (offline when warm), then the usual
# proxy. Checksums: our modules have none in any database yet, and the third-
# party ones were verified when they entered the developer's module cache.
maincache="$(go env GOMODCACHE)"
upstream_proxy="$(go env GOPROXY)"
# goindex=0: the go command indexes module cache folders once, taking them as
# immutable; ours change under the same version.
export GOWORK=off GOFLAGS=-modcacherw GOMODCACHE="$modcache" GOSUMDB=off GOTOOLCHAIN=local GODEBUG=goindex=0
export GOPROXY="file://$proxy,file://$maincache/cache/download,$upstream_proxy"
apps="$(mktemp -d)"
trap 'chmod -R u+w "$apps" 2>/dev/null; rm -rf "$apps"' EXIT

# Packages a client app must never link: registry servers, test SDKs, our
# test helpers. (polaris-go is github.com/polarismesh/polaris-go: not matched.)
forbidden='^(go\.etcd\.io/etcd/server/|github\.com/hashicorp/consul/sdk|github\.com/polarismesh/polaris/|github\.com/dtmdrivers/drivers/(testenv|e2e|bench))'

# app DRIVER_DIR NAME URI SERVER [EXTRA_DIRS]: builds and runs the two client
# apps of one driver. EXTRA_DIRS are driver modules the apps link beside it
# (their driver packages, which only register): the composite routes to them.
app() {
  local dir="$1" name="$2" uri="$3" want="$4" extra="${5:-}"
  local mod="$prefix/$dir" a="$apps/$dir"
  local imports="" gets="" x
  for x in $extra; do imports+=$'\n\t_ "'"$prefix/$x"'"'; gets+=" $prefix/$x@$version"; done
  mkdir -p "$a/plain" "$a/blank"
  cat >"$a/go.mod" <<GOMOD
module example.com/clientapp

go 1.26
GOMOD
  # A client app that selects the driver by name, as dtm's server does.
  cat >"$a/plain/main.go" <<GO
package main

import (
	"fmt"
	"os"

	_ "$mod"$imports
	"$prefix/dtmdriver"
)

func main() {
	if err := dtmdriver.Use("$name"); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	server, method, err := dtmdriver.GetDriver().ParseServerMethod(os.Args[1])
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println(server, method)
}
GO
  # A client app written from upstream's examples: a blank import, no Use. It
  # asks github.com/dtm-labs/dtmdriver, where dtmgrpc looks the driver up.
  cat >"$a/blank/main.go" <<GO
package main

import (
	"fmt"
	"os"

	"github.com/dtm-labs/dtmdriver"
	_ "$mod/use"$imports
)

func main() {
	server, method, err := dtmdriver.GetDriver().ParseServerMethod(os.Args[1])
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println(server, method)
}
GO
  (
    cd "$a"
    # shellcheck disable=SC2086
    go get "$mod@$version" "$prefix/dtmdriver@$version"$gets >/dev/null 2>"$a/get.log" || { cat "$a/get.log" >&2; fail "$dir: go get $mod@$version"; }
    go mod tidy 2>"$a/tidy.log" || { cat "$a/tidy.log" >&2; fail "$dir: go mod tidy"; }
    if grep -q '^replace' go.mod; then fail "$dir: the client app's go.mod grew a replace"; fi
    local bad
    bad=$(go list -deps ./... | grep -E "$forbidden" || true)
    [ -z "$bad" ] || fail "$dir: a client app links test-only packages:"$'\n'"$bad"
    go build -o plain.bin ./plain && go build -o blank.bin ./blank
    local got
    for bin in plain blank; do
      got=$("./$bin.bin" "$uri") || fail "$dir: the $bin app failed on $uri: $got"
      [ "$got" = "$want /busi.Busi/TransIn" ] || fail "$dir: the $bin app split $uri into '$got', want '$want /busi.Busi/TransIn'"
    done
    say "$dir: client apps built from $mod@$version split $uri; $(go list -m all | wc -l) modules in the app's graph, $(go list -deps ./... | wc -l) packages"
  )
}

app driver-protocol1 dtm-driver-protocol1 protocol1://127.0.0.1:8081/busi.Busi/TransIn protocol1://127.0.0.1:8081
app driver-gozero dtm-driver-gozero etcd://127.0.0.1:2379/trans.rpc/busi.Busi/TransIn etcd://127.0.0.1:2379/trans.rpc
app driver-consul dtm-driver-consul consul://127.0.0.1:8500/busi/busi.Busi/TransIn consul://127.0.0.1:8500/busi
app driver-polaris dtm-driver-polaris polaris://busi/busi.Busi/TransIn polaris://busi
# The composite routes by scheme to the drivers linked beside it.
app driver-multi dtm-driver-multi consul://127.0.0.1:8500/busi/busi.Busi/TransIn consul://127.0.0.1:8500/busi "driver-consul driver-protocol1"
# check_dtmdriver EXE: the diagnostic CLI as installed runs its commands that
# need no registry: version, drivers, split (a good URI, and one carrying a
# password, which must not be printed).
check_dtmdriver() {
  local exe="$1" out
  out=$("$exe" version) || fail "$exe version failed: $out"
  [[ "$out" == "dtmdriver $version "* ]] || fail "$exe version printed '$out', want dtmdriver $version"
  out=$("$exe" drivers -o json) || fail "$exe drivers failed: $out"
  for d in dtm-driver-consul dtm-driver-gozero dtm-driver-multi dtm-driver-polaris dtm-driver-protocol1; do
    [[ "$out" == *"\"name\": \"$d\""* ]] || fail "$exe drivers -o json does not list $d: $out"
  done
  out=$("$exe" split etcd://127.0.0.1:2379/trans.rpc/busi.Busi/TransIn) || fail "$exe split failed: $out"
  [[ "$out" == *"server:  etcd://127.0.0.1:2379/trans.rpc"*"method:  /busi.Busi/TransIn"* ]] || fail "$exe split printed: $out"
  local code=0
  out=$("$exe" split 'consul://dtm:pub-s3cret@127.0.0.1:8500/busi/busi.Busi/TransIn') || code=$?
  [ "$code" -eq 1 ] || fail "$exe split of a URI with a password exited $code, want 1: $out"
  [[ "$out" != *pub-s3cret* && "$out" == *userinfo* ]] || fail "$exe split of a URI with a password printed: $out"
}

# The binaries operators install: go install path@version, as from a proxy,
# into .bin/, where the end-to-end tests run them.
for m in "${published[@]}"; do
  case "$m" in "$prefix"/cmd/*) ;; *) continue;; esac
  gobin="$root/.bin"
  GOBIN="$gobin" go install "$m@$version" 2>"$apps/install.log" || { cat "$apps/install.log" >&2; fail "go install $m@$version"; }
  exe="$gobin/$(basename "$m")"
  linked=$(go version -m "$exe" | awk '$1=="dep" && index($2, "'"$prefix"'/driver-")==1 {print $2}' | sort | tr '\n' ' ')
  want="driver-consul driver-gozero driver-multi driver-polaris driver-protocol1"
  for d in $want; do
    case " $linked" in *" $prefix/$d "*) ;; *) fail "$m@$version does not link $prefix/$d (go version -m: $linked)";; esac
  done
  case "$m" in
    */cmd/dtm) v=$("$exe" -v 2>/dev/null | head -1); [[ "$v" == *"v1.19.0"*"$version"* ]] || fail "$exe -v printed '$v', want dtm's version and $version";;
    */cmd/dtmdriver) check_dtmdriver "$exe";;
  esac
  say "go install $m@$version: links every driver; $("$exe" -v 2>/dev/null | head -1)"
done
say "passed in $((SECONDS - start)) s"
