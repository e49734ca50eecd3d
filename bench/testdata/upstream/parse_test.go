package upstream

import (
	"os"
	"testing"

	"github.com/dtm-labs/dtmdriver"
	"github.com/dtmdrivers/drivers/bench/corpus"

	_ "github.com/dtm-labs/dtmdriver-gozero"
	_ "github.com/dtm-labs/dtmdriver-kratos"
	_ "github.com/dtm-labs/dtmdriver-polaris"
)

// frameworks are the corpus frameworks each upstream driver claims: go-zero's
// driver also resolves Consul (its "consul" kind, through zero-contrib).
var frameworks = map[string][]string{
	"default":            {"default"},
	"dtm-driver-gozero":  {"gozero", "consul"},
	"dtm-driver-kratos":  {"consul"},
	"dtm-driver-polaris": {"polaris"},
}

func BenchmarkParse(b *testing.B) {
	name := os.Getenv("UPSTREAM_DRIVER")
	if name == "" {
		name = "default"
	}
	if name != "default" {
		if err := dtmdriver.Use(name); err != nil {
			b.Fatal(err)
		}
	}
	d := dtmdriver.GetDriver()
	for _, fw := range frameworks[name] {
		corpus.Bench(b, "upstream:"+name, fw, d.ParseServerMethod)
	}
}
