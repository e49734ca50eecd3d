package upstreambench

import (
	"testing"

	"github.com/dtm-labs/dtmdriver"
)

// TestShow logs what upstream returns for each benchmark URI and for
// "etcd://h:2379" (run with -v).
func TestShow(t *testing.T) {
	if err := dtmdriver.Use("dtm-driver-gozero"); err != nil {
		t.Fatal(err)
	}
	d := dtmdriver.GetDriver()
	for _, c := range append(uris, struct{ name, uri string }{"no-method", "etcd://h:2379"}, struct{ name, uri string }{"bad-url", "etcd://h:2379/%zz/a.B/C"}) {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Logf("%-24s %q: panic: %v", c.name, c.uri, p)
				}
			}()
			s, m, err := d.ParseServerMethod(c.uri)
			t.Logf("%-24s %q -> %q %q %v", c.name, c.uri, s, m, err)
		}()
	}
}
