package multi

import (
	// First: etcd's and polaris-go's "auth.proto" in one binary.
	_ "github.com/dtmdrivers/drivers/bench/internal/protoconflict"

	"fmt"
	"math"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/bench/corpus"
	"github.com/dtmdrivers/drivers/dtmdriver"

	_ "github.com/dtmdrivers/drivers/driver-consul"
	_ "github.com/dtmdrivers/drivers/driver-gozero"
	multi "github.com/dtmdrivers/drivers/driver-multi"
	_ "github.com/dtmdrivers/drivers/driver-polaris"
	_ "github.com/dtmdrivers/drivers/driver-protocol1"
)

// owner is the driver each corpus framework's URIs are written for.
var owner = map[string]string{
	"default":   dtmdriver.DefaultName,
	"protocol1": "dtm-driver-protocol1",
	"gozero":    "dtm-driver-gozero",
	"consul":    "dtm-driver-consul",
	"polaris":   "dtm-driver-polaris",
}

// BenchmarkComposite times ParseServerMethod on every corpus URI through
// the driver that owns the URI's scheme ("direct") and through the composite
// driver, which routes it there ("multi"), with the drivers' parse caches on
// ("cached": dtm's hot path, the same URI on every branch call; the composite
// has its own cache) and off ("uncached": the full routing and parse on every
// call), interleaved: each iteration times
// a batch of 64 calls of each. It reports the fastest batch of each per call
// (direct-ns/op, multi-ns/op) and their ratio (multi/direct): on a shared
// machine the fastest batch is the one other processes did not slow down, and
// both are measured alike. It also reports the allocations of each. The two must agree on every split; a case where
// they do not prints a verdict line and is not timed.
func BenchmarkComposite(b *testing.B) {
	composite, ok := dtmdriver.Lookup(multi.DriverName)
	if !ok {
		b.Fatalf("%s is not registered", multi.DriverName)
	}
	for _, c := range corpus.Cases() {
		direct, ok := dtmdriver.Lookup(owner[c.Framework])
		if !ok {
			b.Fatalf("no driver for the corpus framework %q", c.Framework)
		}
		if v := agree(c.URI, direct, composite); v != "" {
			fmt.Printf("verdict\t%s\t%s/%s\t%s\n", multi.DriverName, c.Framework, c.Name, v)
			continue
		}
		for _, mode := range []string{"cached", "uncached"} {
			b.Run(c.Framework+"/"+c.Name+"/"+mode, func(b *testing.B) {
				dtmdriver.SetParseCaching(mode == "cached")
				defer dtmdriver.SetParseCaching(true)
				const batch = 64
				minDirect, minMulti := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
				for b.Loop() {
					t0 := time.Now()
					for range batch {
						_, _, _ = direct.ParseServerMethod(c.URI)
					}
					t1 := time.Now()
					for range batch {
						_, _, _ = composite.ParseServerMethod(c.URI)
					}
					minMulti = min(minMulti, time.Since(t1))
					minDirect = min(minDirect, t1.Sub(t0))
				}
				b.ReportMetric(float64(minDirect.Nanoseconds())/batch, "direct-ns/op")
				b.ReportMetric(float64(minMulti.Nanoseconds())/batch, "multi-ns/op")
				b.ReportMetric(float64(minMulti)/float64(minDirect), "multi/direct")
				b.ReportMetric(testing.AllocsPerRun(100, func() { _, _, _ = direct.ParseServerMethod(c.URI) }), "direct-allocs/op")
				b.ReportMetric(testing.AllocsPerRun(100, func() { _, _, _ = composite.ParseServerMethod(c.URI) }), "multi-allocs/op")
			})
		}
	}
}

// agree says how the two drivers' splits of uri differ, or "".
func agree(uri string, a, b dtmdriver.Driver) string {
	s1, m1, err1 := a.ParseServerMethod(uri)
	s2, m2, err2 := b.ParseServerMethod(uri)
	if s1 != s2 || m1 != m2 || (err1 == nil) != (err2 == nil) {
		return fmt.Sprintf("%s: %q %q %v; composite: %q %q %v", a.GetName(), s1, m1, err1, s2, m2, err2)
	}
	return ""
}
