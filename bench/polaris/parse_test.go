package polaris

import (
	"testing"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"

	_ "github.com/dtmdrivers/drivers/driver-polaris"
)

// BenchmarkParse times ParseServerMethod on the shared corpus.
func BenchmarkParse(b *testing.B) { benchkit.BenchParse(b, "dtm-driver-polaris", "polaris") }
