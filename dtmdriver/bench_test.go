package dtmdriver_test

import (
	"fmt"
	"testing"

	upstream "github.com/dtm-labs/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver"
)

// BenchmarkParseServerMethod measures the default driver on dtm's hot path, beside
// upstream's default driver (github.com/dtm-labs/dtmdriver v0.0.6) on the same URI
// as the baseline, in the same process; with its ParseCache (as dtm calls it, the
// same URI every time) and without (the uncached row also pays two mutex
// round trips to turn caching off and on); and the generic split with a
// query at either end.
func BenchmarkParseServerMethod(b *testing.B) {
	const hostPort = "127.0.0.1:36790/busi.Busi/TransIn"
	ours := defaultDriver(b)
	theirs := upstream.GetDriver() // nothing selected upstream in this binary: its default
	if theirs.GetName() != "default" {
		b.Fatalf("upstream driver in use is %q, want its default", theirs.GetName())
	}
	uncached := func(uri string) (string, string, error) {
		dtmdriver.SetParseCaching(false)
		defer dtmdriver.SetParseCaching(true)
		return ours.ParseServerMethod(uri)
	}
	cases := []struct {
		name  string
		parse func(string) (string, string, error)
		uri   string
	}{
		{"default/ours", ours.ParseServerMethod, hostPort},
		{"default/ours-uncached", uncached, hostPort},
		{"default/upstream", theirs.ParseServerMethod, hostPort},
		{"split/plain", dtmdriver.SplitMethod, "etcd://h1:2379,h2:2379/trans.rpc/busi.Busi/TransIn"},
		{"split/query-before", dtmdriver.SplitMethod, "consul://h:8500/trans.rpc?wait=14s/busi.Busi/TransIn"},
		{"split/query-after", dtmdriver.SplitMethod, "etcd:///h1:2379,h2:2379/busi.Busi/TransIn?key=trans.rpc"},
	}
	// Bare host:port URIs of other lengths: a Kubernetes service name, a long
	// package, both.
	for _, uri := range []string{
		"busi.default.svc.cluster.local:8080/busi.Busi/TransIn",
		"10.96.0.15:36790/dtm.examples.busi.v1.BusiService/TransInConfirm",
		"busi-transactions.payments-prod.svc.cluster.local:36790/com.example.payments.v1.TransactionService/TransInConfirm",
	} {
		cases = append(cases,
			struct {
				name  string
				parse func(string) (string, string, error)
				uri   string
			}{fmt.Sprintf("default-len%d/ours", len(uri)), ours.ParseServerMethod, uri},
			struct {
				name  string
				parse func(string) (string, string, error)
				uri   string
			}{fmt.Sprintf("default-len%d/upstream", len(uri)), theirs.ParseServerMethod, uri})
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := c.parse(c.uri); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
