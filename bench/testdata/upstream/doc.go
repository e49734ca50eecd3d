// Package upstream times the upstream dtm drivers' ParseServerMethod on the shared
// corpus, pinned to their own versions (grpc v1.48 and the frameworks of 2022),
// which cannot share a build with ours. It lives under testdata so that the
// workspace and `./...` patterns leave it alone; `make bench` runs it.
//
// Upstream's registry refuses a second Use, so each run selects one driver:
//
//	UPSTREAM_DRIVER=dtm-driver-gozero go test -run '^$' -bench .
package upstream
