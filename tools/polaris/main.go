// Command polaris-server runs the Polaris server (github.com/polarismesh/polaris)
// in standalone mode, the way dtmdrivers' tests use it: BoltDB storage, the
// HTTP API and the gRPC discovery API, heartbeat health checks in memory.
//
// It is built into the repository's .bin directory (`make tools`) and started by
// the testenv/polaristest package with a configuration written for loopback.
// This module is not in go.work, so build it with the workspace off:
//
//	cd tools/polaris && GOWORK=off go build -o ../../.bin/polaris-server .
//
// Usage:
//
//	polaris-server start [-c conf/polaris-server.yaml]
//	polaris-server version
//
// Only the plugins that a single standalone server needs are linked in: no
// MySQL store, no Redis health checker, no Eureka, Nacos, xDS, L5 or config
// gRPC API servers, no Prometheus statistics. A configuration that names one
// of those fails at start.
//
// Before starting, the server's message translations (i18n/zh.toml and
// i18n/en.toml beside the configuration file) are copied from the Polaris
// module in the Go module cache if they are missing. Without them the HTTP API
// still answers, with untranslated (English) messages.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/polarismesh/polaris/bootstrap"
	"github.com/polarismesh/polaris/common/version"

	// The plugins and modules of a standalone server, a subset of the list in
	// the upstream module's plugin.go.
	_ "github.com/polarismesh/polaris/apiserver/grpcserver/discover"
	_ "github.com/polarismesh/polaris/apiserver/httpserver"
	_ "github.com/polarismesh/polaris/auth/defaultauth"
	_ "github.com/polarismesh/polaris/cache"
	_ "github.com/polarismesh/polaris/cache/auth"
	_ "github.com/polarismesh/polaris/cache/client"
	_ "github.com/polarismesh/polaris/cache/config"
	_ "github.com/polarismesh/polaris/cache/namespace"
	_ "github.com/polarismesh/polaris/cache/service"
	_ "github.com/polarismesh/polaris/config/interceptor"
	_ "github.com/polarismesh/polaris/plugin/cmdb/memory"
	_ "github.com/polarismesh/polaris/plugin/crypto/aes"
	_ "github.com/polarismesh/polaris/plugin/discoverevent/local"
	_ "github.com/polarismesh/polaris/plugin/healthchecker/memory"
	_ "github.com/polarismesh/polaris/plugin/history/logger"
	_ "github.com/polarismesh/polaris/plugin/password"
	_ "github.com/polarismesh/polaris/plugin/ratelimit/token"
	_ "github.com/polarismesh/polaris/plugin/statis/logger"
	_ "github.com/polarismesh/polaris/plugin/whitelist"
	_ "github.com/polarismesh/polaris/service/interceptor"
	_ "github.com/polarismesh/polaris/store/boltdb"
)

const polarisModule = "github.com/polarismesh/polaris"

func main() {
	if version.Version == "" {
		// Report the Polaris release linked in, unless -ldflags -X set one.
		version.Version = moduleVersion()
	}
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	switch os.Args[1] {
	case "start":
		os.Exit(start(os.Args[2:]))
	case "version":
		fmt.Printf("version: %v\n", version.Get())
	case "-h", "-help", "--help", "help":
		usage()
	default:
		fmt.Fprintf(os.Stderr, "polaris-server: unknown command %q\n", os.Args[1])
		usage()
		os.Exit(2)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage:
  polaris-server start [-c conf/polaris-server.yaml]
  polaris-server version
`)
}

func start(args []string) int {
	fset := flag.NewFlagSet("start", flag.ContinueOnError)
	var config string
	fset.StringVar(&config, "c", "conf/polaris-server.yaml", "config file path")
	fset.StringVar(&config, "config", "conf/polaris-server.yaml", "config file path (same as -c)")
	if err := fset.Parse(args); err != nil {
		return 2
	}
	if fset.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "polaris-server start: unexpected arguments %q\n", fset.Args())
		return 2
	}
	if err := ensureI18n(filepath.Join(filepath.Dir(config), "i18n")); err != nil {
		fmt.Fprintf(os.Stderr, "[WARN] i18n: %v; HTTP messages stay untranslated\n", err)
	}
	// bootstrap.Start returns after printing an error when start-up fails,
	// and after the servers stopped on a signal; it never reports which.
	bootstrap.Start(config)
	return 0
}

// moduleVersion returns the version of the Polaris module linked into this
// binary, or "" if the build information is missing.
func moduleVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, dep := range info.Deps {
		if dep.Path == polarisModule {
			if dep.Replace != nil {
				return dep.Replace.Version
			}
			return dep.Version
		}
	}
	return ""
}

// i18nFiles are the translation files the HTTP API server loads from the
// configuration directory (apiserver/httpserver/i18n in the Polaris module).
var i18nFiles = []string{"zh.toml", "en.toml"}

// ensureI18n copies the translation files into dir from the Polaris module
// in the module cache, unless they are there already.
func ensureI18n(dir string) error {
	missing := false
	for _, name := range i18nFiles {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			missing = true
		}
	}
	if !missing {
		return nil
	}
	src, err := moduleI18nDir()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range i18nFiles {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			return err
		}
		// Module cache files are read-only; the copies need not be.
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// moduleI18nDir finds release/conf/i18n of the linked Polaris module in the
// module cache: $GOMODCACHE, else $GOPATH/pkg/mod, else ~/go/pkg/mod.
func moduleI18nDir() (string, error) {
	v := moduleVersion()
	if v == "" {
		return "", errors.New("no build information for " + polarisModule)
	}
	var caches []string
	if c := os.Getenv("GOMODCACHE"); c != "" {
		caches = append(caches, c)
	}
	for _, p := range filepath.SplitList(os.Getenv("GOPATH")) {
		if p != "" {
			caches = append(caches, filepath.Join(p, "pkg", "mod"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		caches = append(caches, filepath.Join(home, "go", "pkg", "mod"))
	}
	// The module path has no upper-case letters, so it needs no escaping.
	rel := filepath.Join(filepath.FromSlash(polarisModule)+"@"+v, "release", "conf", "i18n")
	for _, c := range caches {
		dir := filepath.Join(c, rel)
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			return dir, nil
		}
	}
	return "", fmt.Errorf("%s not found in the module cache (%v): %w", rel, caches, fs.ErrNotExist)
}
