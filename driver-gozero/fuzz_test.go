package gozero_test

import (
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
)

// FuzzParseServerMethod checks the shared invariants (no panic, ErrBadURI, a
// well-formed split) from the shared corpus, the driver's forms, and the seed
// corpus in testdata/fuzz.
func FuzzParseServerMethod(f *testing.F) {
	seeds := make([]string, 0, len(splits)+len(malformed))
	for _, s := range splits {
		seeds = append(seeds, s.URI)
	}
	dtmdrivertest.FuzzParseServerMethod(f, theDriver(f), append(seeds, malformed...)...)
}
