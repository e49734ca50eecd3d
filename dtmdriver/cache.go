package dtmdriver

import (
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
	cacheSets   = 512
	cacheWays   = 2
	maxCacheURI = 512
	doorSlots   = 4096
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
	seed  [2]uint64
	off   atomic.Bool
	sets  [cacheSets][cacheWays]atomic.Pointer[cacheEntry]
	// door holds a fingerprint of the last URI parsed and not stored, per
	// slot: a URI is stored when it finds its own there.
	door [doorSlots]atomic.Uint32
}

// cacheEntry is one stored split; it is never modified once published.
type cacheEntry struct {
	hash                uint64
	uri, server, method string
}

// NewParseCache returns a cache in front of parse, which must give the same
// split for a URI every time it accepts it. Make one per driver, in a package-level variable: a
// cache lives as long as the process (SetParseCaching reaches every one).
func NewParseCache(parse ParseFunc) *ParseCache {
	c := &ParseCache{parse: parse, seed: [2]uint64{rand.Uint64() | 1, rand.Uint64() | 1}}
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
	if c.off.Load() || len(uri) > maxCacheURI {
		return c.parse(uri)
	}
	h := c.hash(uri)
	set := &c.sets[h>>40%cacheSets]
	if e := set[0].Load(); e != nil && e.hash == h && e.uri == uri {
		return e.server, e.method, nil
	}
	if e := set[1].Load(); e != nil && e.hash == h && e.uri == uri {
		return e.server, e.method, nil
	}
	return c.miss(uri, h, set)
}

// miss parses uri and stores the split if uri's fingerprint waits at its
// slot of the filter (the second sight), else leaves the fingerprint there.
func (c *ParseCache) miss(uri string, h uint64, set *[cacheWays]atomic.Pointer[cacheEntry]) (server, method string, err error) {
	server, method, err = c.parse(uri)
	if err != nil {
		return "", "", err
	}
	door, print := &c.door[h>>8%doorSlots], uint32(h)
	if door.Load() != print {
		door.Store(print)
		return server, method, nil
	}
	// The second sight: store it first, the older entry second.
	door.Store(0)
	set[1].Store(set[0].Load())
	// Copies: uri may be a slice of a large buffer (a request body) that the
	// cache must not keep alive.
	set[0].Store(&cacheEntry{hash: h, uri: strings.Clone(uri), server: strings.Clone(server), method: strings.Clone(method)})
	return server, method, nil
}

// hash hashes s with the cache's seeds, wyhash's way: every byte counts (so
// URIs seen once cannot pass for one seen twice, nor crowd one set), 16 bytes
// per 128-bit multiply, independent multiplies for the chunks so that the CPU
// runs them side by side. It is never 0.
func (c *ParseCache) hash(s string) uint64 {
	n := len(s)
	s0, s1 := c.seed[0], c.seed[1]
	var h uint64
	switch {
	case n >= 16:
		for i := 0; i+16 < n; i += 16 {
			h ^= mum(load64(s, i)^s0^uint64(i), load64(s, i+8)^s1)
		}
		h ^= mum(load64(s, n-16)^s1, load64(s, n-8)^s0)
	case n >= 8:
		h = mum(load64(s, 0)^s0, load64(s, n-8)^s1)
	default:
		var w uint64
		for i := 0; i < n; i++ {
			w = w<<8 | uint64(s[i])
		}
		h = mum(w^s0, s1)
	}
	return mum(h^s1, uint64(n)^s0) | 1
}

// mum folds the 128-bit product of a and b into 64 bits.
func mum(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}
