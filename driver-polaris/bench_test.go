package polaris

import (
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
)

func BenchmarkParseServerMethod(b *testing.B) {
	dtmdrivertest.BenchParseServerMethod(b, newDriver(),
		dtmdrivertest.BenchURI{Name: "query-before", URI: "polaris://busi?namespace=Test/busi.Busi/TransIn"},
		dtmdrivertest.BenchURI{Name: "query-after", URI: "polaris://busi/busi.Busi/TransIn?namespace=Test"},
		dtmdrivertest.BenchURI{Name: "options", URI: "polaris://busi?options=eyJOYW1lc3BhY2UiOiJUZXN0IiwiZHN0X21ldGFkYXRhIjp7ImVudiI6ImJsdWUifX0=/busi.Busi/TransIn"})
}
