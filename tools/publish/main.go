// Command publish lays Go modules out as a file-based module proxy, exactly as
// a proxy serves them once they are tagged: for each module directory it
// writes <proxy>/<escaped module path>/@v/{list,VERSION.info,VERSION.mod,VERSION.zip}.
// The zips are made by golang.org/x/mod/zip, the code the go command uses, so
// they hold what a user would download: no nested modules, no vendor folders.
// Point GOPROXY at file://<proxy> to build against the modules as published.
//
//	publish -out DIR -version vX.Y.Z MODULE_DIR...
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	modzip "golang.org/x/mod/zip"
)

func main() {
	out := flag.String("out", "", "the proxy directory to write into")
	version := flag.String("version", "", "the version every module is published at, vX.Y.Z")
	flag.Parse()
	if err := run(*out, *version, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "publish:", err)
		os.Exit(1)
	}
}

func run(out, version string, dirs []string) error {
	switch {
	case out == "":
		return errors.New("-out is required")
	case !semver.IsValid(version) || semver.Canonical(version) != version:
		return fmt.Errorf("-version %q is not a canonical semantic version (vX.Y.Z)", version)
	case len(dirs) == 0:
		return errors.New("no module directories given")
	}
	for _, dir := range dirs {
		path, err := publish(out, version, dir)
		if err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		fmt.Printf("%s@%s\n", path, version)
	}
	return nil
}

// publish writes one module's files and returns its module path.
func publish(out, version, dir string) (string, error) {
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return "", err
	}
	path := modfile.ModulePath(gomod)
	if path == "" {
		return "", errors.New("go.mod has no module line")
	}
	escaped, err := module.EscapePath(path)
	if err != nil {
		return "", err
	}
	vdir := filepath.Join(out, filepath.FromSlash(escaped), "@v")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		return "", err
	}
	base := filepath.Join(vdir, version)
	if err := os.WriteFile(base+".mod", gomod, 0o644); err != nil {
		return "", err
	}
	info, err := json.Marshal(struct {
		Version string
		Time    time.Time
	}{version, time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(base+".info", info, 0o644); err != nil {
		return "", err
	}
	if err := writeZip(base+".zip", module.Version{Path: path, Version: version}, dir); err != nil {
		return "", err
	}
	return path, addToList(filepath.Join(vdir, "list"), version)
}

func writeZip(name string, m module.Version, dir string) (err error) {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	return modzip.CreateFromDir(f, m, dir)
}

// addToList records version in the module's version list, once.
func addToList(name, version string) error {
	data, err := os.ReadFile(name)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	versions := strings.Fields(string(data))
	if slices.Contains(versions, version) {
		return nil
	}
	versions = append(versions, version)
	semver.Sort(versions)
	return os.WriteFile(name, []byte(strings.Join(versions, "\n")+"\n"), 0o644)
}
