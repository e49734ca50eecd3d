package dtmdriver

import (
	"errors"
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// countingParse is SplitMethod, counting its calls.
type countingParse struct{ calls atomic.Int64 }

func (p *countingParse) parse(uri string) (string, string, error) {
	p.calls.Add(1)
	return SplitMethod(uri)
}

func TestParseCache(t *testing.T) {
	const uri = "etcd://h:2379/trans.rpc/busi.Busi/TransIn"
	tests := []struct {
		name      string
		uri       string
		off       bool // SetEnabled(false) before
		calls     int  // parses in 5 calls
		wantError bool
	}{
		{name: "stored on the second sight, then recalled", uri: uri, calls: 2},
		{name: "off: parsed every time", uri: uri, off: true, calls: 5},
		{name: "errors are never stored", uri: "etcd://h:2379/key", calls: 5, wantError: true},
		{name: "too long to keep", uri: "h:1/a.B/" + strings.Repeat("M", maxCacheURI), calls: 5},
		{name: "short", uri: "h:1/a/b", calls: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p countingParse
			c := NewParseCache(p.parse)
			c.SetEnabled(!tt.off)
			wantServer, wantMethod, wantErr := SplitMethod(tt.uri)
			for range 5 {
				server, method, err := c.ParseServerMethod(tt.uri)
				if server != wantServer || method != wantMethod || (err != nil) != tt.wantError || (err == nil) != (wantErr == nil) {
					t.Fatalf("ParseServerMethod(%q) = %q, %q, %v; want %q, %q, %v", tt.uri, server, method, err, wantServer, wantMethod, wantErr)
				}
				if err != nil && !errors.Is(err, ErrBadURI) {
					t.Fatalf("error %v does not wrap ErrBadURI", err)
				}
			}
			if got := p.calls.Load(); got != int64(tt.calls) {
				t.Errorf("parse ran %d times in 5 calls, want %d", got, tt.calls)
			}
		})
	}
}

func TestSetParseCaching(t *testing.T) {
	var p countingParse
	c := NewParseCache(p.parse)
	SetParseCaching(false)
	t.Cleanup(func() { SetParseCaching(true) })
	for range 3 {
		if _, _, err := c.ParseServerMethod("h:1/a.B/C"); err != nil {
			t.Fatal(err)
		}
	}
	if got := p.calls.Load(); got != 3 {
		t.Errorf("with caching off, parse ran %d times in 3 calls, want 3", got)
	}
}

// TestParseCacheFlood checks that URIs seen once evict nothing: a stored URI
// stays recalled through 100,000 distinct URIs, each seen once.
func TestParseCacheFlood(t *testing.T) {
	var p countingParse
	c := NewParseCache(p.parse)
	const hot = "127.0.0.1:36790/busi.Busi/TransIn"
	c.ParseServerMethod(hot)
	c.ParseServerMethod(hot)
	for i := range 100_000 {
		if _, _, err := c.ParseServerMethod(fmt.Sprintf("host%d:8080/busi.Busi/TransIn", i)); err != nil {
			t.Fatal(err)
		}
	}
	before := p.calls.Load()
	if server, _, err := c.ParseServerMethod(hot); err != nil || server != "127.0.0.1:36790" {
		t.Fatalf("ParseServerMethod(%q) = %q, %v", hot, server, err)
	}
	if p.calls.Load() != before {
		t.Error("the flood of URIs seen once evicted the stored one")
	}
}

// storedHash returns the hash ParseServerMethod stored with uri, or false.
func storedHash(c *ParseCache, uri string) (uint64, bool) {
	for i := range c.sets {
		for w := range c.sets[i] {
			if e := c.sets[i][w].Load(); e != nil && e.uri == uri {
				return e.hash, true
			}
		}
	}
	return 0, false
}

// TestParseCacheHashWrittenOut checks that ParseServerMethod's written-out
// hash is c.hash, at every length a URI can be stored with.
func TestParseCacheHashWrittenOut(t *testing.T) {
	c := NewParseCache(SplitMethod)
	for n := len("h:1/a.B/C"); n <= maxCacheURI; n++ {
		uri := "h:1/a.B/" + strings.Repeat("M", n-len("h:1/a.B/"))
		c.ParseServerMethod(uri)
		c.ParseServerMethod(uri)
		got, ok := storedHash(c, uri)
		if !ok {
			t.Fatalf("a URI of %d bytes was not stored on its second sight", n)
		}
		if want := c.hash(uri); got != want {
			t.Fatalf("a URI of %d bytes was stored with hash %#x, c.hash gives %#x", n, got, want)
		}
	}
}

// TestParseCacheHashReadsEveryByte changes each byte of URIs of every length
// in turn: the hash must change with it (a keyed 64-bit hash: a miss here
// would be a 1 in 2^64 accident, or a byte the hash does not read).
func TestParseCacheHashReadsEveryByte(t *testing.T) {
	c := NewParseCache(SplitMethod)
	for n := 1; n <= maxCacheURI; n++ {
		b := []byte(strings.Repeat("a", n))
		base := c.hash(string(b))
		for i := range b {
			b[i] = 'b'
			if c.hash(string(b)) == base {
				t.Fatalf("in a URI of %d bytes, changing byte %d leaves the hash as it was", n, i)
			}
			b[i] = 'a'
		}
	}
}

// TestParseCacheHitComparesEveryByte plants, for each byte of URIs of every
// length, an entry for the URI with that byte changed under the hash of the
// URI asked for, as a hash collision would: the lookup must still parse.
func TestParseCacheHitComparesEveryByte(t *testing.T) {
	var p countingParse
	c := NewParseCache(p.parse)
	for n := len("h:1/a.B/C"); n <= 140; n++ {
		uri := "h:1/a.B/" + strings.Repeat("M", n-len("h:1/a.B/"))
		h := c.hash(uri)
		set := c.set(h)
		for i := range n {
			b := []byte(uri)
			b[i] ^= 0x20
			other := string(b)
			e := &cacheEntry{hash: h, uri: other, server: "planted", method: "/planted"}
			e.words, _ = uriWords(other)
			set[0].Store(e)
			set[1].Store(nil)
			c.door[h>>8%doorSlots].Store(0) // uri's last miss would store it
			before := p.calls.Load()
			if server, _, _ := c.ParseServerMethod(uri); server == "planted" || p.calls.Load() != before+1 {
				t.Fatalf("%q (%d bytes) was answered from the entry of %q, which differs at byte %d", uri, n, other, i)
			}
		}
	}
}

// TestParseCacheSharedSet stores two URIs that land in one set: each is
// recalled with its own split.
func TestParseCacheSharedSet(t *testing.T) {
	c := NewParseCache(SplitMethod)
	setOf := func(uri string) *[cacheWays]atomic.Pointer[cacheEntry] { return c.set(c.hash(uri)) }
	seen := map[*[cacheWays]atomic.Pointer[cacheEntry]]string{}
	var pair [2]string
	for i := 0; pair[0] == ""; i++ {
		uri := fmt.Sprintf("127.0.0.1:%d/busi.Busi/TransIn", 10000+i)
		if other, ok := seen[setOf(uri)]; ok {
			pair = [2]string{other, uri}
		}
		seen[setOf(uri)] = uri
	}
	for _, u := range []string{pair[0], pair[0], pair[1], pair[1]} {
		c.ParseServerMethod(u)
	}
	for _, u := range []string{pair[0], pair[1], pair[0], pair[1]} {
		if _, ok := storedHash(c, u); !ok {
			t.Fatalf("%q is not stored", u)
		}
		wantServer, wantMethod, _ := SplitMethod(u)
		if server, method, err := c.ParseServerMethod(u); err != nil || server != wantServer || method != wantMethod {
			t.Errorf("ParseServerMethod(%q) = %q, %q, %v; want %q, %q", u, server, method, err, wantServer, wantMethod)
		}
	}
}

// BenchmarkParseCacheHash times hashOther, the hash a lookup calls for URIs
// past 64 bytes, against the runtime's seeded one (hash/maphash). (Up to 64
// bytes the lookup has its hash written out: BenchmarkParseCacheHit.)
func BenchmarkParseCacheHash(b *testing.B) {
	c := NewParseCache(SplitMethod)
	var sink uint64
	for _, n := range []int{65, 113, 256} {
		uri := "127.0.0.1:36790/" + strings.Repeat("b", n-len("127.0.0.1:36790/"))
		b.Run(fmt.Sprintf("len=%d/ours", n), func(b *testing.B) {
			for b.Loop() {
				sink += c.hashOther(uri)
			}
		})
		b.Run(fmt.Sprintf("len=%d/maphash", n), func(b *testing.B) {
			for b.Loop() {
				sink += maphash.String(c.seed, uri)
			}
		})
	}
	_ = sink
}

// TestParseCacheCapacity checks that a working set of 512 URIs fits: after
// two rounds, a third parses (almost) nothing.
func TestParseCacheCapacity(t *testing.T) {
	var p countingParse
	c := NewParseCache(p.parse)
	uris := make([]string, 512)
	for i := range uris {
		uris[i] = fmt.Sprintf("etcd://h:2379/svc%d/busi.Busi/TransIn", i)
	}
	for range 2 {
		for _, u := range uris {
			c.ParseServerMethod(u)
		}
	}
	before := p.calls.Load()
	for _, u := range uris {
		c.ParseServerMethod(u)
	}
	// A set holds two: a third URI landing in a set evicts; with 512 sets
	// and a random seed, a few do.
	if missed := p.calls.Load() - before; missed > 512/4 {
		t.Errorf("%d of 512 URIs missed on the third round", missed)
	}
}

func TestParseCacheHitAllocs(t *testing.T) {
	c := NewParseCache(SplitMethod)
	const uri = "consul://127.0.0.1:8500/trans.rpc/busi.Busi/TransIn?wait=14s" // a query moves: the parse allocates
	c.ParseServerMethod(uri)
	c.ParseServerMethod(uri)
	if n := testing.AllocsPerRun(100, func() { c.ParseServerMethod(uri) }); n != 0 {
		t.Errorf("a recalled split allocates %v times, want 0", n)
	}
}

// TestParseCacheConcurrent runs goroutines over overlapping URIs (under -race
// in make test): every answer is the one SplitMethod gives.
func TestParseCacheConcurrent(t *testing.T) {
	c := NewParseCache(SplitMethod)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				uri := fmt.Sprintf("etcd://h:2379/svc%d/busi.Busi/M%d", (i+g)%1500, i%3)
				if i%7 == 0 {
					uri = "etcd://h:2379/bad" // an error, never stored
				}
				s1, m1, e1 := c.ParseServerMethod(uri)
				s2, m2, e2 := SplitMethod(uri)
				if s1 != s2 || m1 != m2 || (e1 == nil) != (e2 == nil) {
					t.Errorf("ParseServerMethod(%q) = %q, %q, %v; want %q, %q, %v", uri, s1, m1, e1, s2, m2, e2)
					return
				}
			}
		})
	}
	wg.Wait()
}

// FuzzParseCachePair stores a URI and asks for another, often one byte away:
// every answer is the one the parse gives, whether recalled or not.
func FuzzParseCachePair(f *testing.F) {
	f.Add("127.0.0.1:36790/busi.Busi/TransIn", "127.0.0.1:36791/busi.Busi/TransIn")
	f.Add("etcd://h:2379/trans.rpc/busi.Busi/TransIn", "etcd://h:2379/trans.rpc/busi.Busi/TransIm")
	f.Add("h:1/a.B/CCCCCCCC", "h:1/a.B/CCCCCCCCC")
	c := NewParseCache(SplitMethod) // one for the run: NewParseCache keeps every cache
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, u := range []string{a, a, b, b, a, b} {
			wantServer, wantMethod, wantErr := SplitMethod(u)
			server, method, err := c.ParseServerMethod(u)
			if server != wantServer || method != wantMethod || (err == nil) != (wantErr == nil) {
				t.Fatalf("ParseServerMethod(%q) = %q, %q, %v; the parse gives %q, %q, %v", u, server, method, err, wantServer, wantMethod, wantErr)
			}
		}
	})
}

// BenchmarkParseCacheHit times a recalled split at several URI lengths.
func BenchmarkParseCacheHit(b *testing.B) {
	for _, n := range []int{33, 48, 53, 64, 113} {
		uri := "127.0.0.1:36790/busi.Busi/" + strings.Repeat("M", n-len("127.0.0.1:36790/busi.Busi/"))
		c := NewParseCache(SplitMethod)
		c.ParseServerMethod(uri)
		c.ParseServerMethod(uri)
		asked := strings.Clone(uri) // as dtm's: not the stored string
		b.Run(fmt.Sprintf("len=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := c.ParseServerMethod(asked); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
