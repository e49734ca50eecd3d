// Command demo is what `make demo` runs: one transfer saga that succeeds and
// one that fails, told through a real dtm server (v1.19.0, in this process)
// and one driver, with that driver's registry and business servers registered
// the framework's way:
//
//	go build -tags gozero    # embedded etcd, go-zero zrpc servers (make demo's default)
//	go build -tags polaris   # Polaris server from .bin/polaris-server
//	go build -tags consul    # Consul agent from .bin/consul
//	go build -tags protocol1 # no registry: the URIs list the servers
//	demo -v                  # with dtm's and the libraries' logs
//
// A build links one driver, as users' programs do (driver-gozero and
// driver-polaris cannot share a binary: etcd's and Polaris' protobuf files both
// register "auth.proto"); the row_*.go files choose it by build tag.
//
// dtm listens on every interface: run the demo in a network namespace with
// loopback only, as `make demo` does (scripts/loopback-only.sh .bin/demo). The
// registries' binaries are found through DTMDRIVERS_BIN, or in .bin of the
// working directory or one of its parents; `make tools` builds them. dtm has
// no stop: the demo stops the rest, then exits.
package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/dtmdrivers/drivers/e2e/internal/scenario"
	"github.com/zeromicro/go-zero/core/logx"
)

// rows are the drivers this build can show, by -driver name: the row_*.go
// file that the build tag selects adds its own.
var rows = map[string]func() *scenario.Scenario{}

func names() string {
	var n []string
	for k := range rows {
		n = append(n, k)
	}
	slices.Sort(n)
	return strings.Join(n, ", ")
}

func main() {
	driver := flag.String("driver", "", "the driver to show: "+names()+" (default: the one this build links)")
	verbose := flag.Bool("v", false, "show dtm's and the libraries' logs as well")
	flag.Parse()
	if len(rows) == 0 {
		fmt.Fprintln(os.Stderr, "demo: built without a driver; build with -tags gozero, protocol1, polaris or consul (make demo DRIVER=... does)")
		os.Exit(2)
	}
	if *driver == "" && len(rows) == 1 {
		*driver = names()
	}
	row, ok := rows[*driver]
	if !ok {
		fmt.Fprintf(os.Stderr, "demo: this build has no driver %q; it has %s (build with -tags %s)\n", *driver, names(), *driver)
		os.Exit(2)
	}
	if !*verbose {
		slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
		// go-zero sets its logs up once, at the first zrpc server: do it now,
		// then silence them.
		_ = logx.SetUp(logx.LogConf{})
		logx.Disable()
	}
	if err := run(os.Stdout, row(), *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
	// dtm has no stop; its goroutines end with the process.
	os.Exit(0)
}
