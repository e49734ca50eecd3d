package protocol1

import (
	"testing"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"

	_ "github.com/dtmdrivers/drivers/driver-protocol1"
)

// BenchmarkParse times ParseServerMethod on the shared corpus.
func BenchmarkParse(b *testing.B) { benchkit.BenchParse(b, "dtm-driver-protocol1", "protocol1") }
