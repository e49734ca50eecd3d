// Package upstreambench benchmarks ParseServerMethod of the upstream go-zero driver,
// github.com/dtm-labs/dtmdriver-gozero v0.0.7, on the URIs that driver-gozero's
// BenchmarkParseServerMethod uses. It is a module of its own, pinned to upstream's
// dependencies (go-zero v1.3.5, zero-contrib, nacos), which cannot share a build
// with driver-gozero's; it sits under testdata so that neither the Makefile nor
// ./... patterns pick it up. Run it right after driver-gozero's benchmark:
//
//	cd driver-gozero/testdata/upstreambench && GOWORK=off go test -run '^$' -bench . -benchmem
package upstreambench

import (
	"testing"

	"github.com/dtm-labs/dtmdriver"
	_ "github.com/dtm-labs/dtmdriver-gozero"
)

// uris are the forms of driver-gozero's benchmark, by the same names.
var uris = []struct{ name, uri string }{
	{"etcd-legacy", "etcd://h1:2379,h2:2379/trans.rpc/busi.Busi/TransIn"},
	{"etcd-legacy-nested-key", "etcd://h1:2379/grpc/trans.rpc/busi.Busi/TransIn"},
	{"etcd-key-query-after", "etcd:///h1:2379,h2:2379/busi.Busi/TransIn?key=trans.rpc"},
	{"etcd-key-query-before", "etcd:///h1:2379,h2:2379?key=trans.rpc/busi.Busi/TransIn"},
	{"discov", "discov://h1:2379,h2:2379/trans.rpc/busi.Busi/TransIn"},
	{"direct", "direct:///10.0.0.1:8080,10.0.0.2:8080/busi.Busi/TransIn"},
	{"k8s", "k8s://namespace/busi:8080/busi.Busi/TransIn"},
	{"host-port", "10.0.0.1:8080/busi.Busi/TransIn"},
}

func BenchmarkParseServerMethod(b *testing.B) {
	if err := dtmdriver.Use("dtm-driver-gozero"); err != nil {
		b.Fatal(err)
	}
	d := dtmdriver.GetDriver()
	for _, c := range uris {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d.ParseServerMethod(c.uri) // upstream returns a nil error where it fails: no check
			}
		})
	}
}
