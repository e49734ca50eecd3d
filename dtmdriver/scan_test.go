package dtmdriver

import (
	"strings"
	"testing"
)

// referenceURIs are the URIs the fast split is compared with the plain one on:
// well-formed ones of every driver, then the shared malformed corpus and the
// adversarial one (dtmdrivertest cannot be imported here: it imports this
// package; its corpora are checked against the default driver in fuzz_test.go).
var referenceURIs = []string{
	"127.0.0.1:36790/busi.Busi/TransIn",
	"localhost:8080/a.B/C",
	"h:1/a.B/C",
	"abcdefg:1/a.B/C",
	"[::1]:8080/Svc/Method",
	"etcd://h1:2379,h2:2379/trans.rpc/busi.Busi/TransIn",
	"etcd://h1:2379/grpc/trans.rpc/busi.Busi/TransIn",
	"etcd:///h1:2379,h2:2379/busi.Busi/TransIn?key=trans.rpc",
	"discov://h1:2379/trans.rpc/busi.Busi/TransIn",
	"direct:///10.0.0.1:8080,10.0.0.2:8080/busi.Busi/TransIn",
	"k8s://ns/busi:8080/busi.Busi/TransIn",
	"consul://127.0.0.1:8500/trans.rpc?wait=14s/busi.Busi/TransIn",
	"polaris://busi/busi.Busi/TransIn",
	"protocol1:///10.0.0.1:8081/busi.Busi/TransIn",
	"e_tcd://h:1/key/pkg.Svc/Method",
	"1tcd://h:1/key/pkg.Svc/Method",
	"etcd://h:x/key/pkg.Svc/Method",
	"etcd://h:1,b/key/pkg.Svc/Method",
	"etcd://h:123456/key/pkg.Svc/Method",
	"etcd:/h:1/pkg.Svc/Method",
	"etcd:h:1/pkg.Svc/Method",
	"://h:1/pkg.Svc/Method",
	"a://h:1/pkg.Svc/Method",
	"//h:1/pkg.Svc/Method",
	"///////////",
	"h:1///pkg.Svc/Method",
	"h:1/pkg.Svc//Method",
	"h:1/pkg.Svc/Method/",
	"etcd:////////h:1/pkg.Svc/Method",
	"h_1:1/pkg.Svc/Method",
	"h:1/a/b/c/d/e/f/g/h/pkg.Svc/Method",
	"12345678",
	"1234567/",
	"/1234567",
	"h:1/a.B/C\x00",
	"h:1/a.B/C~",
	strings.Repeat("ab", 100) + ":1/a.B/C",
}

// TestSplitFastMatchesPlain checks that the 8-byte scan changes no answer:
// split with it and without it agree on every reference URI, and on each of
// them with any one byte replaced by any other at any offset (so every byte
// value lands in every lane of a word).
func TestSplitFastMatchesPlain(t *testing.T) {
	check := func(uri string) {
		t.Helper()
		s1, m1, e1, r1 := splitScan(uri, true)
		s2, m2, e2, r2 := splitScan(uri, false)
		if s1 != s2 || m1 != m2 || e1 != e2 || r1 != r2 {
			t.Fatalf("split(%q): fast %q, %q, %d, %q; plain %q, %q, %d, %q", uri, s1, m1, e1, r1, s2, m2, e2, r2)
		}
	}
	for _, uri := range referenceURIs {
		check(uri)
		if len(uri) > 64 {
			continue
		}
		b := []byte(uri)
		for i := range b {
			orig := b[i]
			for c := range 256 {
				b[i] = byte(c)
				check(string(b))
			}
			b[i] = orig
		}
	}
}

// FuzzSplitFast compares split with and without the 8-byte scan.
func FuzzSplitFast(f *testing.F) {
	for _, uri := range referenceURIs {
		f.Add(uri)
	}
	f.Fuzz(func(t *testing.T, uri string) {
		s1, m1, e1, r1 := splitScan(uri, true)
		s2, m2, e2, r2 := splitScan(uri, false)
		if s1 != s2 || m1 != m2 || e1 != e2 || r1 != r2 {
			t.Fatalf("split(%q): fast %q, %q, %d, %q; plain %q, %q, %d, %q", uri, s1, m1, e1, r1, s2, m2, e2, r2)
		}
	})
}

// TestPlainBytes checks the word-at-a-time classification against a byte at a
// time, for every 7-bit byte value in every lane of a word.
func TestPlainBytes(t *testing.T) {
	plain := func(c byte) bool {
		return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(",-./:_", c) >= 0
	}
	for lane := range 8 {
		for c := range 128 {
			word := []byte("aZ09,-._")
			word[lane] = byte(c)
			w := load64(string(word), 0)
			got := plainBytes(w)>>(8*lane+7)&1 == 1
			if got != plain(byte(c)) {
				t.Errorf("plainBytes: byte %q in lane %d: plain = %v, want %v", rune(c), lane, got, plain(byte(c)))
			}
			// The other lanes stay plain whatever this one holds.
			if others := plainBytes(w) | 0x80<<(8*lane); others != msb {
				t.Errorf("plainBytes: byte %q in lane %d changes other lanes: %#x", rune(c), lane, others)
			}
			slash := zeroBytes(w^lsb*'/')>>(8*lane+7)&1 == 1
			if slash != (c == '/') {
				t.Errorf("zeroBytes: byte %q in lane %d: slash = %v", rune(c), lane, slash)
			}
		}
	}
}
