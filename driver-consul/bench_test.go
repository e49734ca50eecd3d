package consul

import (
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// BenchmarkParseServerMethod measures the driver on dtm's hot path, with
// dtmdriver.SplitMethod (the generic split alone) on the same URIs as the baseline.
func BenchmarkParseServerMethod(b *testing.B) {
	uris := []struct{ name, uri string }{
		{"plain", "consul://127.0.0.1:8500/busi/busi.Busi/TransIn"},
		{"query-before", "consul://127.0.0.1:8500/user.rpc?wait=14s&tag=rpc/busi.Busi/TransIn"},
		{"query-at-end", "consul://127.0.0.1:8500/user.rpc/busi.Busi/TransIn?wait=14s&tag=rpc"},
	}
	for _, u := range uris {
		b.Run("driver/"+u.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := std.ParseServerMethod(u.uri); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("split/"+u.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := dtmdriver.SplitMethod(u.uri); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
