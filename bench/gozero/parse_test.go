package gozero

import (
	"testing"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"

	_ "github.com/dtmdrivers/drivers/driver-gozero"
)

// BenchmarkParse times ParseServerMethod on the shared corpus.
func BenchmarkParse(b *testing.B) { benchkit.BenchParse(b, "dtm-driver-gozero", "gozero") }
