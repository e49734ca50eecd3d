package dtmdriver_test

import (
	"strings"
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
)

func defaultDriver(t testing.TB) dtmdriver.Driver {
	d, ok := dtmdriver.Lookup(dtmdriver.DefaultName)
	if !ok {
		t.Fatal("the default driver is not registered")
	}
	return d
}

func TestDefaultConformance(t *testing.T) {
	dtmdrivertest.RunConformanceTests(t, dtmdrivertest.Harness{
		Driver: defaultDriver(t),
		Splits: []dtmdrivertest.Split{
			{URI: "127.0.0.1:36790/dtmgimp.Dtm/Submit", Server: "127.0.0.1:36790", Method: "/dtmgimp.Dtm/Submit"},
			{URI: "localhost:8080/busi.Busi/TransIn", Server: "localhost:8080", Method: "/busi.Busi/TransIn"},
			{URI: "[::1]:8080/Svc/Method", Server: "[::1]:8080", Method: "/Svc/Method"},
		},
		Malformed: []string{
			"etcd://h:2379/key/pkg.Svc/Method",
			"localhost/pkg.Svc/Method",
			"localhost:/pkg.Svc/Method",
			"h:1/prefix/pkg.Svc/Method",
			"h:1?x=1/pkg.Svc/Method",
			"h:1/pkg.Svc/Method?x=1",
			"127.0.0.1:8080/pkg.Svc/Method?",
		},
		Publish: func(t *testing.T, name, addr string) string { return addr },
	})
}

func TestDefaultSchemeErrorNamesUse(t *testing.T) {
	_, _, err := defaultDriver(t).ParseServerMethod("etcd://u:pw@h:2379/trans.rpc/pkg.Svc/Method")
	if err == nil {
		t.Fatal("want an error for a URI with a scheme")
	}
	for _, want := range []string{`scheme "etcd"`, "dtmdriver.Use", "host:port/package.Service/Method"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q: want it to contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), ":pw@") {
		t.Errorf("error %q quotes the password", err)
	}
}
