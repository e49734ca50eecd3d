package consul

import (
	"testing"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"

	_ "github.com/dtmdrivers/drivers/driver-consul"
)

// BenchmarkParse times ParseServerMethod on the shared corpus.
func BenchmarkParse(b *testing.B) { benchkit.BenchParse(b, "dtm-driver-consul", "consul") }
