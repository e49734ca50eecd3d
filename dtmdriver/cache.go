package dtmdriver

import (
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
)

// ParseFunc is a driver's ParseServerMethod.
type ParseFunc func(uri string) (server, method string, err error)

// Sizes of a [ParseCache]: cacheSets sets of two entries each, and the longest
// URI it keeps.
const (
	cacheSetBits = 9
	cacheSets    = 1 << cacheSetBits
	cacheWays    = 2
	maxCacheURI  = 512
	doorSlots    = 4096
)

// caches are every ParseCache made, for SetParseCaching; cachingOff is the
// setting new ones take.
var (
	cachesMu   sync.Mutex
	caches     []*ParseCache
	cachingOff bool
)

// SetParseCaching turns the [ParseCache] of every driver on (the default) or
// off. Off, each call runs the driver's full parse, as without a cache: to
// compare, or to rule the cache out while chasing a bug.
func SetParseCaching(on bool) {
	cachesMu.Lock()
	defer cachesMu.Unlock()
	cachingOff = !on
	for _, c := range caches {
		c.SetEnabled(on)
	}
}

// ParseCache remembers the splits of the branch URIs a process sees again and
// again, so that dtm's hot path (ParseServerMethod on every branch call) costs
// a hash and a comparison of the URI instead of a parse. It keeps 1024 URIs
// (512 sets of two), each no longer than 512 bytes, so its memory is bounded
// whatever the input. A URI is stored the second time it is parsed, if no
// other URI sharing its slot of a 4096-slot filter was parsed in between: a
// flood of URIs seen once evicts nothing. Errors are never
// stored: a malformed URI is parsed, and rejected, on every call, with the
// error the driver gives.
//
// A split depends on the URI alone (every driver's parse is a function of it,
// or, as gozero's, of it and of gRPC's registered resolvers, which only grow:
// an accepted URI stays accepted), so a stored split is the one the driver
// would give now. Each driver
// keeps its own cache. It is safe for concurrent use: lookups take no lock.
// The zero value is not usable; make one with [NewParseCache].
type ParseCache struct {
	parse ParseFunc
	seed  maphash.Seed
	keys  [8]uint64
	off   atomic.Bool
	sets  [cacheSets][cacheWays]atomic.Pointer[cacheEntry]
	// door holds a fingerprint of the last URI parsed and not stored, per
	// slot: a URI is stored when it finds its own there.
	door [doorSlots]atomic.Uint32
}

// cacheEntry is one stored split; it is never modified once published.
type cacheEntry struct {
	hash uint64
	// words are uri's words (see uriWords) when it has 16 to 64 bytes: they
	// cover every byte, so a hit compares them, held here beside the hash,
	// instead of the bytes of uri elsewhere in memory.
	words               [8]uint64
	uri, server, method string
}

// NewParseCache returns a cache in front of parse, which must give the same
// split for a URI every time it accepts it. Make one per driver, in a package-level variable: a
// cache lives as long as the process (SetParseCaching reaches every one).
func NewParseCache(parse ParseFunc) *ParseCache {
	c := &ParseCache{parse: parse, seed: maphash.MakeSeed()}
	for i := range c.keys {
		c.keys[i] = rand.Uint64() | 1
	}
	cachesMu.Lock()
	defer cachesMu.Unlock()
	c.off.Store(cachingOff)
	caches = append(caches, c)
	return c
}

// SetEnabled turns this cache on (the default) or off.
func (c *ParseCache) SetEnabled(on bool) { c.off.Store(!on) }

// ParseServerMethod returns the split of uri the cache holds, or the one parse
// gives, stored if uri was the last URI seen once in its set.
func (c *ParseCache) ParseServerMethod(uri string) (server, method string, err error) {
	n := len(uri)
	if c.off.Load() || n > maxCacheURI {
		return c.parse(uri)
	}
	if n < minWordsURI || n > maxWordsURI {
		h := c.hashOther(uri)
		set := c.set(h)
		for i := range set {
			if e := set[i].Load(); e != nil && e.hash == h && e.uri == uri {
				return e.server, e.method, nil
			}
		}
		return c.miss(uri, h, set)
	}
	// The usual lengths: uriWords, hash and the comparison written out, as a
	// call would cost a third of the lookup again; one block per layout of
	// uriWords. TestParseCacheHashWrittenOut holds the two forms together.
	k := &c.keys
	if n <= sixWordsURI {
		m := n / 2
		w0, w1, w2, w3, w4, w5 := word(uri, 0), word(uri, 8), word(uri, m-8), word(uri, m), word(uri, n-16), word(uri, n-8)
		h := mix(w0^k[0], w1^k[1]) ^ mix(w2^k[2], w3^k[3]) ^ mix(w4^k[4], w5^k[5]^uint64(n))
		set := c.set(h)
		for i := range set {
			if e := set[i].Load(); e != nil && e.hash == h && len(e.uri) == n &&
				e.words[0] == w0 && e.words[1] == w1 && e.words[2] == w2 &&
				e.words[3] == w3 && e.words[4] == w4 && e.words[5] == w5 {
				return e.server, e.method, nil
			}
		}
		return c.miss(uri, h, set)
	}
	x, y := int(uint(n-16)/3), int(uint(n-16)*2/3)
	w0, w1, w2, w3 := word(uri, 0), word(uri, 8), word(uri, x), word(uri, x+8)
	w4, w5, w6, w7 := word(uri, y), word(uri, y+8), word(uri, n-16), word(uri, n-8)
	h := mix(w0^k[0], w1^k[1]) ^ mix(w2^k[2], w3^k[3]) ^ mix(w4^k[4], w5^k[5]) ^ mix(w6^k[6], w7^k[7]^uint64(n))
	set := c.set(h)
	for i := range set {
		if e := set[i].Load(); e != nil && e.hash == h && len(e.uri) == n &&
			e.words[0] == w0 && e.words[1] == w1 && e.words[2] == w2 && e.words[3] == w3 &&
			e.words[4] == w4 && e.words[5] == w5 && e.words[6] == w6 && e.words[7] == w7 {
			return e.server, e.method, nil
		}
	}
	return c.miss(uri, h, set)
}

// set returns the set of a URI of hash h: the top bits of h times 2^64
// divided by the golden ratio, which every bit of h moves.
func (c *ParseCache) set(h uint64) *[cacheWays]atomic.Pointer[cacheEntry] {
	return &c.sets[h*0x9e3779b97f4a7c15>>(64-cacheSetBits)]
}

// miss parses uri and stores the split if uri's fingerprint waits at its
// slot of the filter (the second sight), else leaves the fingerprint there.
func (c *ParseCache) miss(uri string, h uint64, set *[cacheWays]atomic.Pointer[cacheEntry]) (server, method string, err error) {
	server, method, err = c.parse(uri)
	if err != nil {
		return "", "", err
	}
	door, print := &c.door[h>>8%doorSlots], uint32(h)|1
	if door.Load() != print {
		door.Store(print)
		return server, method, nil
	}
	// The second sight: store it first, the older entry second.
	door.Store(0)
	set[1].Store(set[0].Load())
	// Copies: uri may be a slice of a large buffer (a request body) that the
	// cache must not keep alive.
	e := &cacheEntry{hash: h, uri: strings.Clone(uri), server: strings.Clone(server), method: strings.Clone(method)}
	e.words, _ = uriWords(uri)
	set[0].Store(e)
	return server, method, nil
}

// The lengths of URI whose words (uriWords) cover every byte: six words up
// to sixWordsURI bytes, eight beyond.
const (
	minWordsURI = 16
	sixWordsURI = 48
	maxWordsURI = 64
)

// uriWords returns 8-byte words of s that cover every byte of it when s has
// 16 to 64 bytes, and false at other lengths. Up to 48 bytes, six words (the
// rest zero): the first 16 bytes, the 16 around the middle and the last 16.
// From 49, eight: four runs of 16 bytes, the first, the last and two evenly
// between. Runs overlap below 48 and 64 bytes. Six words where they do make
// the usual bare host:port URI cheaper (BenchmarkParseCacheHit).
func uriWords(s string) (w [8]uint64, ok bool) {
	n := len(s)
	switch {
	case n < minWordsURI || n > maxWordsURI:
		return w, false
	case n <= sixWordsURI:
		m := n / 2
		return [8]uint64{word(s, 0), word(s, 8), word(s, m-8), word(s, m), word(s, n-16), word(s, n-8)}, true
	}
	x, y := int(uint(n-16)/3), int(uint(n-16)*2/3)
	return [8]uint64{word(s, 0), word(s, 8), word(s, x), word(s, x+8), word(s, y), word(s, y+8), word(s, n-16), word(s, n-8)}, true
}

// hash is a keyed hash of every byte of s, built in the manner of wyhash
// (the runtime's own string hash where the CPU lacks AES): s's words (see
// uriWords) mixed with this cache's random keys by 128-bit multiplies that do
// not wait on each other; past 64 bytes, hashOther. Every byte counts, and
// without the keys no one can craft URIs that share a set or a door. This is
// the reference form, which the tests hold ParseServerMethod's written-out
// copy to (for 16 to 64 bytes; the lookup's cost: BenchmarkParseCacheHit).
func (c *ParseCache) hash(s string) uint64 {
	w, ok := uriWords(s)
	if !ok {
		return c.hashOther(s)
	}
	k, n := &c.keys, uint64(len(s))
	if n <= sixWordsURI {
		return mix(w[0]^k[0], w[1]^k[1]) ^ mix(w[2]^k[2], w[3]^k[3]) ^ mix(w[4]^k[4], w[5]^k[5]^n)
	}
	return mix(w[0]^k[0], w[1]^k[1]) ^ mix(w[2]^k[2], w[3]^k[3]) ^
		mix(w[4]^k[4], w[5]^k[5]) ^ mix(w[6]^k[6], w[7]^k[7]^n)
}

// hashOther is hash at the lengths uriWords does not cover: the runtime's
// seeded hash (AES-based where the CPU has it) below 16 bytes; past 64,
// blocks of 64 bytes in four lanes of the same mixing, the last block ending
// at the last byte, quicker than the runtime's there (BenchmarkParseCacheHash).
// A hit on those then compares the URI's bytes.
func (c *ParseCache) hashOther(s string) uint64 {
	n := len(s)
	if n < minWordsURI {
		return maphash.String(c.seed, s)
	}
	k := &c.keys
	a, b, d, e := k[0], k[2], k[4], k[6]^uint64(n)
	for i := 0; ; i += 64 {
		if i+64 > n {
			i = n - 64
		}
		p := s[i : i+64]
		a = mix(word(p, 0)^a, word(p, 8)^k[1])
		b = mix(word(p, 16)^b, word(p, 24)^k[3])
		d = mix(word(p, 32)^d, word(p, 40)^k[5])
		e = mix(word(p, 48)^e, word(p, 56)^k[7])
		if i+64 == n {
			return a ^ b ^ d ^ e
		}
	}
}

// word reads s[i:i+8] as a little-endian integer (one load on the usual CPUs).
func word(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

// mix folds the 128-bit product of a and b to 64 bits.
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}
