package polaris

import (
	"testing"

	"github.com/dtmdrivers/drivers/bench/corpus"
	_ "github.com/dtmdrivers/drivers/driver-polaris"
	"github.com/dtmdrivers/drivers/dtmdriver"
)

// BenchmarkParse times ParseServerMethod on the shared corpus; the upstream
// drivers run the same cases from ../testdata/upstream*.
func BenchmarkParse(b *testing.B) {
	d, ok := dtmdriver.Lookup("dtm-driver-polaris")
	if !ok {
		b.Fatal("the driver is not registered")
	}
	for _, fw := range []string{"polaris"} {
		corpus.Bench(b, "ours:"+d.GetName(), fw, d.ParseServerMethod)
	}
}
