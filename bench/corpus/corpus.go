package corpus

import (
	_ "embed"
	"fmt"
	"strings"
	"testing"
)

//go:embed parse.tsv
var parseTSV string

// Case is one branch URI of a framework with the split our driver gives. A Server
// and Method of "!" mean the URI is malformed: the right answer is an error.
type Case struct {
	Framework, Name, URI, Server, Method string
}

// Malformed reports whether the case expects an error.
func (c Case) Malformed() bool { return c.Server == "!" }

// Cases returns the corpus, in file order.
func Cases() []Case {
	var cases []Case
	for line := range strings.SplitSeq(parseTSV, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			panic(fmt.Sprintf("corpus: parse.tsv line %q has %d fields, want 5", line, len(f)))
		}
		cases = append(cases, Case{Framework: f[0], Name: f[1], URI: f[2], Server: f[3], Method: f[4]})
	}
	return cases
}

// OtherServer starts the verdict for a split with the expected method and
// another server.
const OtherServer = "other server"

// ParseFunc is a driver's ParseServerMethod.
type ParseFunc func(uri string) (server, method string, err error)

// Verdict runs parse once on c and says what went wrong, or "" when it gave the
// expected split (or, for a malformed URI, an error).
func Verdict(c Case, parse ParseFunc) (verdict string) {
	defer func() {
		if r := recover(); r != nil {
			verdict = fmt.Sprintf("panic: %v", r)
		}
	}()
	server, method, err := parse(c.URI)
	switch {
	case c.Malformed() && err == nil && (server == "" || method == ""):
		return fmt.Sprintf("nil error with empty parts (server %q, method %q)", server, method)
	case c.Malformed() && err == nil:
		return fmt.Sprintf("accepted: server %q, method %q", server, method)
	case c.Malformed():
		return ""
	case err != nil:
		return fmt.Sprintf("error: %v", err)
	case method != c.Method:
		return fmt.Sprintf("wrong method %q (server %q)", method, server)
	case server != c.Server:
		return fmt.Sprintf("%s %q", OtherServer, server)
	}
	return ""
}

// Bench times parse on every case of framework as sub-benchmarks named
// "<framework>/<case>". A case with a verdict prints a verdict line and is not
// timed, except a split with the right method and another server, which may be
// another spelling of the same target: it is timed and its verdict printed as a
// note. Malformed cases are timed too (they are errors, as they should be).
func Bench(b *testing.B, impl, framework string, parse ParseFunc) {
	for _, c := range Cases() {
		if c.Framework != framework {
			continue
		}
		b.Run(c.Framework+"/"+c.Name, func(b *testing.B) {
			if v := Verdict(c, parse); v != "" {
				kind := "verdict"
				if strings.HasPrefix(v, OtherServer) {
					kind = "note"
				}
				fmt.Printf("%s\t%s\t%s/%s\t%s\n", kind, impl, c.Framework, c.Name, strings.ReplaceAll(v, "\n", " "))
				if kind == "verdict" {
					b.Skip(v)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				_, _, _ = parse(c.URI)
			}
		})
	}
}
