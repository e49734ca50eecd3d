// Command benchreport reads the raw `go test -bench` outputs that
// scripts/bench.sh writes (docs/bench-raw/*.txt, with the corpus harness'
// verdict and note lines), prints the tables of `make bench` on stdout, and
// writes them to a Markdown page with the machine, the Go version and the
// date, and a chart of propagation latency per registry (PNG).
//
//	benchreport -raw docs/bench-raw -md docs/benchmarks.md -png docs/propagation.png
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

func main() {
	rawDir := flag.String("raw", "docs/bench-raw", "directory of the raw outputs")
	mdPath := flag.String("md", "docs/benchmarks.md", "Markdown page to write")
	pngPath := flag.String("png", "docs/propagation.png", "chart to write")
	elapsed := flag.String("elapsed", "", "how long the measurements took, for the page")
	flag.Parse()
	files, err := readRaw(*rawDir)
	if err != nil {
		fail(err)
	}
	if len(files) == 0 {
		fail(fmt.Errorf("no raw outputs in %s", *rawDir))
	}
	r := build(files)
	for _, t := range r.tables {
		fmt.Println(t.text())
	}
	env := environment(*elapsed)
	md := r.markdown(env, filepath.Base(*pngPath), relDir(*mdPath, *rawDir))
	if err := os.WriteFile(*mdPath, []byte(md), 0o644); err != nil {
		fail(err)
	}
	if err := writeChart(*pngPath, r.propagation); err != nil {
		fail(err)
	}
	fmt.Printf("wrote %s and %s\n", *mdPath, *pngPath)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchreport:", err)
	os.Exit(1)
}

func relDir(mdPath, dir string) string {
	rel, err := filepath.Rel(filepath.Dir(mdPath), dir)
	if err != nil {
		return dir
	}
	return rel
}

// environment describes the machine and the run.
func environment(elapsed string) []string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	env := []string{
		fmt.Sprintf("Machine: %s, %d CPUs (nproc), %s/%s", model, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH),
		"Go: " + runtime.Version(),
		"Date: " + time.Now().UTC().Format("2006-01-02 15:04 MST"),
	}
	if elapsed != "" {
		env = append(env, "Measurements took: "+elapsed+" (after the build)")
	}
	return env
}
