package upstreamprotocol1

import (
	"testing"

	"github.com/dtm-labs/dtmdriver"
	"github.com/dtmdrivers/drivers/bench/corpus"

	_ "github.com/dtm-labs/dtmdriver-protocol1"
)

func BenchmarkParse(b *testing.B) {
	if err := dtmdriver.Use("dtm-driver-protocol1"); err != nil {
		b.Fatal(err)
	}
	corpus.Bench(b, "upstream:dtm-driver-protocol1", "protocol1", dtmdriver.GetDriver().ParseServerMethod)
}
