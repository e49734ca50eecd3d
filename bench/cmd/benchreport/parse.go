package main

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// result is one benchmark of one raw file: every value of every unit, one per
// -count.
type result struct {
	name    string // without "Benchmark" and the -GOMAXPROCS suffix
	metrics map[string][]float64
}

// get returns the median of unit's values, and whether there is one.
func (r *result) get(unit string) (float64, bool) {
	if r == nil || len(r.metrics[unit]) == 0 {
		return 0, false
	}
	v := slices.Clone(r.metrics[unit])
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2], true
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2, true
}

// remark is a verdict or note line of the corpus harness.
type remark struct {
	kind, impl, name, text string
}

// file is one raw output, named after its file (without .txt).
type file struct {
	name    string
	results []*result
	byName  map[string]*result
	remarks []remark
}

func (f *file) result(name string) *result { return f.byName[name] }

var benchLine = regexp.MustCompile(`^Benchmark(\S+?)(-\d+)?\s+(\d+)\s+(.*)$`)

// readRaw reads every *.txt of dir.
func readRaw(dir string) (map[string]*file, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, err
	}
	files := map[string]*file{}
	for _, p := range paths {
		f, err := readFile(p)
		if err != nil {
			return nil, err
		}
		files[f.name] = f
	}
	return files, nil
}

func readFile(path string) (*file, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	f := &file{name: strings.TrimSuffix(filepath.Base(path), ".txt"), byName: map[string]*result{}}
	seen := map[remark]bool{}
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if kind, rest, ok := strings.Cut(line, "\t"); ok && (kind == "verdict" || kind == "note") {
			p := strings.SplitN(rest, "\t", 3)
			if len(p) == 3 {
				r := remark{kind, p[0], p[1], p[2]}
				if !seen[r] {
					seen[r] = true
					f.remarks = append(f.remarks, r)
				}
			}
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		r := f.byName[m[1]]
		if r == nil {
			r = &result{name: m[1], metrics: map[string][]float64{}}
			f.byName[m[1]] = r
			f.results = append(f.results, r)
		}
		fields := strings.Fields(m[4])
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			r.metrics[fields[i+1]] = append(r.metrics[fields[i+1]], v)
		}
	}
	return f, sc.Err()
}
