package dtmdriver

import (
	"math/bits"
	"strconv"
)

// scanned is what split's scan finds in a URI: the positions the split needs.
// An index is -1 when the URI has no such byte.
type scanned struct {
	firstSlash int // the first '/'
	authEnd    int // the first '/' after firstSlash+1: the authority's end, with a scheme
	last, cut  int // the last '/' and the one before it (the method's two slashes)
	firstQuery int // the first and last '?'
	lastQuery  int
	firstOdd   int // the first and last byte special classifies as 2 (see parsesAsGRPC)
	lastOdd    int
	lastEq     int // the last '='
}

// The SWAR constants: one bit or one byte value in each of a word's 8 bytes.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
	low = 0x7f7f7f7f7f7f7f7f
)

// zeroBytes returns the high bit of each byte of x that is zero (exact: no
// false positives from borrows, unlike the shorter (x-lsb)&^x&msb).
func zeroBytes(x uint64) uint64 {
	return ^((x&low + low) | x | low)
}

// plainBytes returns the high bit of each byte of w that is plain: a letter, a
// digit, ',', '-', '.', '/', ':' or '_'. Valid only when no byte of w has its
// high bit set (w&msb == 0): then no addition below carries into the next byte.
func plainBytes(w uint64) uint64 {
	// byte >= lo sets the high bit of byte + (0x80-lo); byte > hi sets that of
	// byte + (0x7f-hi).
	punctDigits := (w + lsb*(0x80-',')) &^ (w + lsb*(0x7f-':')) // ",-./0-9:"
	upper := (w + lsb*(0x80-'A')) &^ (w + lsb*(0x7f-'Z'))
	lower := (w + lsb*(0x80-'a')) &^ (w + lsb*(0x7f-'z'))
	return (punctDigits | upper | lower | zeroBytes(w^lsb*'_')) & msb
}

// load64 reads 8 bytes of s from i, little-endian (the compiler makes it one load).
func load64(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

// scanPlain is the fast path of split's scan, for the common shape of a
// branch URI: every byte plain (see plainBytes), so no query, no escape, no
// userinfo, nothing net/url could refuse but a scheme or a port, which split
// checks after. It reads the URI 8 bytes at a time and reports false, having
// filled nothing that matters, as soon as a word holds another byte; scanBytes
// then reads the URI again, byte by byte.
func scanPlain(uri string, s *scanned) bool {
	n := len(uri)
	if n < 8 {
		return false
	}
	s.firstSlash, s.authEnd, s.last, s.cut = -1, -1, -1, -1
	s.firstQuery, s.lastQuery, s.firstOdd, s.lastOdd, s.lastEq = -1, -1, -1, -1, -1
	for i := 0; i < n; i += 8 {
		base := i
		if i+8 > n {
			base = n - 8 // the tail: the last 8 bytes, some of them read already
		}
		w := load64(uri, base)
		if w&msb != 0 || plainBytes(w) != msb {
			return false
		}
		slashes := zeroBytes(w^lsb*'/') & msb
		if base < i {
			slashes &= ^uint64(0) << (8 * (i - base)) // drop the bytes read already
		}
		for slashes != 0 {
			p := base + bits.TrailingZeros64(slashes)/8
			slashes &= slashes - 1
			switch {
			case s.firstSlash < 0:
				s.firstSlash = p
			case s.authEnd < 0 && p > s.firstSlash+1:
				s.authEnd = p
			}
			s.cut, s.last = s.last, p
		}
	}
	return true
}

// scanBytes is split's scan for any URI, a byte at a time: it fills s but
// last and cut, or returns why the URI is malformed.
func scanBytes(uri string, s *scanned) (reason string) {
	*s = scanned{firstSlash: -1, authEnd: -1, last: -1, cut: -1, firstQuery: -1, lastQuery: -1, firstOdd: -1, lastOdd: -1, lastEq: -1}
	for i := 0; i < len(uri); i++ {
		c := uri[i]
		if special[c] == 0 {
			continue
		}
		switch {
		case c == '/':
			if s.firstSlash < 0 {
				s.firstSlash = i
			} else if s.authEnd < 0 && i > s.firstSlash+1 {
				s.authEnd = i
			}
		case c == '?':
			if s.firstQuery < 0 {
				s.firstQuery = i
			}
			s.lastQuery = i
		case c == '#':
			return "'#' at offset " + strconv.Itoa(i) + ": a branch URI has no fragment"
		case c == '=':
			s.lastEq = i
		case special[c] == 2:
			if s.firstOdd < 0 {
				s.firstOdd = i
			}
			s.lastOdd = i
		default:
			return "space, control character or non-ASCII byte at offset " + strconv.Itoa(i) + " (percent-encode it)"
		}
	}
	return ""
}
