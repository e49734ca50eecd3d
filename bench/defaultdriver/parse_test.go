package defaultdriver

import (
	"testing"

	"github.com/dtmdrivers/drivers/bench/corpus"
	"github.com/dtmdrivers/drivers/dtmdriver"
)

// BenchmarkParse times ParseServerMethod on the shared corpus; the upstream
// drivers run the same cases from ../testdata/upstream*.
func BenchmarkParse(b *testing.B) {
	d, ok := dtmdriver.Lookup(dtmdriver.DefaultName)
	if !ok {
		b.Fatal("the driver is not registered")
	}
	for _, fw := range []string{"default"} {
		corpus.Bench(b, "ours:"+d.GetName(), fw, d.ParseServerMethod)
	}
}
