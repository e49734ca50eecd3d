package gozero_test

import (
	"testing"
)

// benchURIs are the forms a go-zero user writes. `make bench` times the same
// forms with the upstream driver (bench/testdata/upstream).
var benchURIs = []struct{ name, uri string }{
	{"etcd-legacy", "etcd://h1:2379,h2:2379/trans.rpc/busi.Busi/TransIn"},
	{"etcd-legacy-nested-key", "etcd://h1:2379/grpc/trans.rpc/busi.Busi/TransIn"},
	{"etcd-key-query-after", "etcd:///h1:2379,h2:2379/busi.Busi/TransIn?key=trans.rpc"},
	{"etcd-key-query-before", "etcd:///h1:2379,h2:2379?key=trans.rpc/busi.Busi/TransIn"},
	{"discov", "discov://h1:2379,h2:2379/trans.rpc/busi.Busi/TransIn"},
	{"direct", "direct:///10.0.0.1:8080,10.0.0.2:8080/busi.Busi/TransIn"},
	{"k8s", "k8s://namespace/busi:8080/busi.Busi/TransIn"},
	{"host-port", "10.0.0.1:8080/busi.Busi/TransIn"},
}

// BenchmarkParseServerMethod measures the driver on dtm's hot path. Only the form
// with the query after the method allocates (the server is a new string).
func BenchmarkParseServerMethod(b *testing.B) {
	d := theDriver(b)
	for _, c := range benchURIs {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := d.ParseServerMethod(c.uri); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestParseAllocs guards the allocation budget of the hot path.
func TestParseAllocs(t *testing.T) {
	d := theDriver(t)
	for _, c := range benchURIs {
		want := 0.0
		if c.name == "etcd-key-query-after" {
			want = 1
		}
		got := testing.AllocsPerRun(100, func() {
			if _, _, err := d.ParseServerMethod(c.uri); err != nil {
				t.Fatal(err)
			}
		})
		if got > want {
			t.Errorf("ParseServerMethod(%q): %v allocations, want %v", c.uri, got, want)
		}
	}
}
