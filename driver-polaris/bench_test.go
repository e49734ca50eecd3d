package polaris

import (
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// BenchmarkParseServerMethod measures the driver on dtm's hot path, with
// dtmdriver.SplitMethod (the generic split alone) on the same URIs as the baseline.
func BenchmarkParseServerMethod(b *testing.B) {
	d := newDriver()
	uris := []struct{ name, uri string }{
		{"query-before", "polaris://busi?namespace=Test/busi.Busi/TransIn"},
		{"query-after", "polaris://busi/busi.Busi/TransIn?namespace=Test"},
		{"options", "polaris://busi?options=eyJOYW1lc3BhY2UiOiJUZXN0IiwiZHN0X21ldGFkYXRhIjp7ImVudiI6ImJsdWUifX0=/busi.Busi/TransIn"},
	}
	for _, u := range uris {
		b.Run("driver/"+u.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := d.ParseServerMethod(u.uri); err != nil {
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
