# One rule set for every module: test/%, test-short/%, lint/%, tidy/%, fuzz/%.
# The module list is found, not kept: every folder with a go.mod outside tools/.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT    := $(CURDIR)
BIN     := $(ROOT)/.bin
MODULES := $(shell find . -name go.mod -not -path './tools/*' -not -path './.bin/*' -not -path '*/testdata/*' \
             | sed -e 's|^\./||' -e 's|/go.mod$$||' | sort)

# Tests find the registry binaries here; with it set, a missing binary fails a
# test instead of skipping it.
export DTMDRIVERS_BIN := $(BIN)

# Binaries `make tools` builds, one per tools/ module that exists.
TOOLS := $(BIN)/staticcheck
ifneq ($(wildcard tools/consul/go.mod),)
TOOLS += $(BIN)/consul
endif
ifneq ($(wildcard tools/polaris/go.mod),)
TOOLS += $(BIN)/polaris-server
endif

FUZZTIME ?= 10s
DRIVER   ?= gozero

.PHONY: help test test-short lint tidy fuzz tools demo new-driver test-new-driver modules check-publish release

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

modules: ## list the modules the rules apply to
	@printf '%s\n' $(MODULES)

test: test-intro tools check-publish $(addprefix test/,$(MODULES)) test-new-driver ## every module's tests, with -race, each outside the workspace; check-publish

# One line before the long steps: a first run compiles everything, and says so.
.PHONY: test-intro
test-intro:
	@echo "make test: the registry binaries (make tools), check-publish, then each module's tests with -race, one module at a time."
	@echo "  The first run on a fresh machine compiles dtm, etcd, go-zero, Consul's and Polaris' clients several times over"
	@echo "  (normal, -race, outside the repo): count tens of minutes on 2 cores; later runs reuse Go's build cache."
test-short: $(addprefix test-short/,$(MODULES)) ## quick tests (-short), no registries needed
lint: $(BIN)/staticcheck $(addprefix lint/,$(MODULES)) ## gofmt, go vet and staticcheck on every module
tidy: $(addprefix tidy/,$(MODULES)) ## go mod tidy in every module
fuzz: $(addprefix fuzz/,$(MODULES)) ## every fuzz target for FUZZTIME (default 10s)
tools: $(TOOLS) ## build the Consul agent, the Polaris server and the linters into .bin/

# Each module is tested on its own (GOWORK=off), so a missing require shows.
test/%:
	@echo "test/$*: compiling with -race and running (the first time, compiling its dependencies takes a minute or more)"
	cd $* && GOWORK=off go test -race -count=1 ./...

# The e2e tests run a real dtm server, which listens on every interface: run them
# in a network namespace that has only loopback, after building outside it (the
# namespace has no route to the module proxy; -exec /bin/true builds the test
# binaries without running their TestMain, which would start dtm out here).
test/e2e: check-publish redis-server
	@echo "test/e2e: building the e2e tests with a real dtm server and every driver, -race (the first time: about as long as the demo's first build, below, or longer)"
	cd e2e && GOWORK=off go build ./... && GOWORK=off go test -race -count=1 -exec /bin/true ./... >/dev/null
	@echo "test/e2e: running them in a loopback-only network namespace (real dtm servers, registries and Redis: a few minutes)"
	scripts/loopback-only.sh bash -c 'cd e2e && GOWORK=off go test -race -count=1 ./...'

# A cmd/ module requires its siblings at the release version with no replace
# (go install path@version refuses one): it is tested in the workspace, and
# check-publish go-installs it from the modules as published.
test/cmd/%:
	@echo "test/cmd/$*: compiling with -race and running (cmd/dtm links dtm and every driver: the first time, several minutes)"
	cd cmd/$* && go test -race -count=1 ./...

test-short/cmd/%:
	cd cmd/$* && go test -short -count=1 ./...

lint/cmd/%:
	@out=$$(gofmt -l cmd/$*); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	cd cmd/$* && go vet ./... && $(BIN)/staticcheck ./...

# Tidied against the modules as published (make check-publish lays them out);
# our own modules' checksums stay out of go.sum: they change until tagged.
tidy/cmd/%: check-publish
	cd cmd/$* && GOWORK=off GOFLAGS=-modcacherw GOMODCACHE=$(BIN)/check-publish/modcache GOSUMDB=off GODEBUG=goindex=0 \
	  GOPROXY=file://$(BIN)/check-publish/proxy,file://$$(go env GOMODCACHE)/cache/download,$$(go env GOPROXY) go mod tidy
	sed -i '/^github.com\/dtmdrivers\/drivers\//d' cmd/$*/go.sum

fuzz/cmd/%:
	FUZZTIME=$(FUZZTIME) FUZZ_IN_WORKSPACE=1 scripts/fuzz.sh cmd/$*

test-short/%:
	cd $* && GOWORK=off go test -short -count=1 ./...

lint/%:
	@out=$$(gofmt -l $*); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	cd $* && GOWORK=off go vet ./... && GOWORK=off $(BIN)/staticcheck ./...

tidy/%:
	cd $* && GOWORK=off go mod tidy

fuzz/%:
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh $*

.PHONY: bench
bench: ## drivers against upstream and a direct connection: docs/benchmarks.md (needs make tools)
	scripts/bench.sh

# Two dtm processes share a store in the HA tests: Debian's Redis, installed
# once (CI runs as root; elsewhere install it yourself).
.PHONY: redis-server
redis-server:
	@command -v redis-server >/dev/null || { echo "installing redis-server (apt-get, once)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null; }

check-publish: ## build client apps outside the repo from the modules laid out as a module proxy at the release version
	scripts/check-publish.sh

release: ## move the release set to VERSION=vX.Y.Z, rewrite sibling requirements, print the tags to push
	@test -n "$(VERSION)" || { echo "usage: make release VERSION=vX.Y.Z"; exit 2; }
	scripts/release.sh $(VERSION)

test-new-driver: ## prove that `make new-driver` makes a module whose tests pass
	scripts/test-new-driver.sh

new-driver: ## create driver-$(NAME) from the protocol1 template and add it to go.work
	@test -n "$(NAME)" || { echo "usage: make new-driver NAME=foo"; exit 2; }
	scripts/new-driver.sh $(NAME)

demo: ## the main job: transfer sagas through a real dtm and a driver (DRIVER=gozero|protocol1|consul|polaris)
	@echo "demo: building dtm v1.19.0, the $(DRIVER) driver and its registry into one binary (the first time: DEMO_COLD on 2 cores, silent; later: seconds)"
	cd e2e && GOWORK=off go build -tags $(DRIVER) -o $(BIN)/demo-$(DRIVER) ./cmd/demo
	@echo "demo: running it in a loopback-only network namespace (a real dtm server and registry; under a minute)"
	LOG_LEVEL=error scripts/loopback-only.sh $(BIN)/demo-$(DRIVER)

# Each tool is rebuilt only when its module changes; go's build cache does the rest.
$(BIN)/staticcheck: tools/lint/go.mod tools/lint/go.sum
	@echo "building staticcheck into .bin/ (the first time: about a minute)"
	cd tools/lint && GOWORK=off go build -o $@ honnef.co/go/tools/cmd/staticcheck

$(BIN)/consul: $(wildcard tools/consul/*.go tools/consul/go.mod tools/consul/go.sum)
	@echo "building the Consul agent v1.16.6 into .bin/ for the tests (the first time: about 5 minutes on 2 cores)"
	cd tools/consul && GOWORK=off go build -o $@ .

$(BIN)/polaris-server: $(wildcard tools/polaris/*.go tools/polaris/go.mod tools/polaris/go.sum)
	@echo "building the Polaris server v1.18.1 into .bin/ for the tests (the first time: several minutes on 2 cores)"
	cd tools/polaris && GOWORK=off go build -o $@ .
