package defaultdriver

import (
	"testing"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"
	"github.com/dtmdrivers/drivers/dtmdriver"
)

// BenchmarkParse times ParseServerMethod on the shared corpus.
func BenchmarkParse(b *testing.B) { benchkit.BenchParse(b, dtmdriver.DefaultName, "default") }
