package bench

import (
	"testing"

	"github.com/dtmdrivers/drivers/bench/corpus"
	"github.com/dtmdrivers/drivers/dtmdriver"

	_ "github.com/dtmdrivers/drivers/driver-polaris"
	_ "github.com/dtmdrivers/drivers/driver-protocol1"
)

// drivers maps each corpus framework to our driver for it.
var drivers = map[string]string{
	"default":   dtmdriver.DefaultName,
	"protocol1": "dtm-driver-protocol1",
	"polaris":   "dtm-driver-polaris",
}

// BenchmarkParse times our drivers' ParseServerMethod on the shared corpus; the
// upstream drivers run the same cases from testdata/upstream*.
func BenchmarkParse(b *testing.B) {
	for _, fw := range []string{"default", "protocol1", "gozero", "consul", "polaris"} {
		name, ok := drivers[fw]
		if !ok {
			continue
		}
		d, ok := dtmdriver.Lookup(name)
		if !ok {
			b.Fatalf("driver %q is not registered", name)
		}
		corpus.Bench(b, "ours:"+name, fw, d.ParseServerMethod)
	}
}
