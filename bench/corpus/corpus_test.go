package corpus

import (
	"errors"
	"strings"
	"testing"
)

func TestCases(t *testing.T) {
	cases := Cases()
	if len(cases) < 10 {
		t.Fatalf("%d cases", len(cases))
	}
	seen := map[string]bool{}
	for _, c := range cases {
		key := c.Framework + "/" + c.Name
		if seen[key] {
			t.Errorf("duplicate case %s", key)
		}
		seen[key] = true
		if !c.Malformed() && (!strings.HasSuffix(c.URI, c.Method) && !strings.Contains(c.URI, c.Method+"?")) {
			t.Errorf("%s: method %q is not in the URI %q", key, c.Method, c.URI)
		}
	}
}

func TestVerdict(t *testing.T) {
	c := Case{URI: "h:1/a.B/C", Server: "h:1", Method: "/a.B/C"}
	bad := Case{URI: "h:1", Server: "!", Method: "!"}
	tests := []struct {
		c     Case
		parse ParseFunc
		want  string
	}{
		{c, func(string) (string, string, error) { return "h:1", "/a.B/C", nil }, ""},
		{c, func(string) (string, string, error) { panic("boom") }, "panic: boom"},
		{c, func(string) (string, string, error) { return "", "", errors.New("no") }, "error: no"},
		{c, func(string) (string, string, error) { return "h:1/a.B", "/C", nil }, "wrong method"},
		{c, func(string) (string, string, error) { return "x", "/a.B/C", nil }, "other server"},
		{bad, func(string) (string, string, error) { return "", "", nil }, "nil error with empty parts"},
		{bad, func(string) (string, string, error) { return "h:1", "/x/y", nil }, "accepted"},
		{bad, func(string) (string, string, error) { return "", "", errors.New("no") }, ""},
	}
	for i, tt := range tests {
		got := Verdict(tt.c, tt.parse)
		if (tt.want == "") != (got == "") || !strings.HasPrefix(got, tt.want) {
			t.Errorf("case %d: Verdict = %q, want prefix %q", i, got, tt.want)
		}
	}
}
