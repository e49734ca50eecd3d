package protocol1

import (
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// BenchmarkParseServerMethod measures the driver on dtm's hot path, with
// dtmdriver.SplitMethod (the generic split alone) on the same URIs as the baseline.
func BenchmarkParseServerMethod(b *testing.B) {
	uris := []struct{ name, uri string }{
		{"one", "protocol1://127.0.0.1:8081/busi.Busi/TransIn"},
		{"three", "protocol1://10.0.0.1:8081,10.0.0.2:8081,10.0.0.3:8081/busi.Busi/TransIn"},
	}
	for _, u := range uris {
		b.Run("driver/"+u.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := (driver{}).ParseServerMethod(u.uri); err != nil {
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
