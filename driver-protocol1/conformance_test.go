package protocol1

import (
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
)

func TestConformance(t *testing.T) {
	dtmdrivertest.RunConformanceTests(t, dtmdrivertest.Harness{
		Driver:  driver{},
		Schemes: []string{Scheme},
		Splits: []dtmdrivertest.Split{
			{URI: "protocol1://127.0.0.1:8081/busi.Busi/TransIn", Server: "protocol1://127.0.0.1:8081", Method: "/busi.Busi/TransIn"},
			{URI: "protocol1://a:1,b:2/busi.Busi/TransIn", Server: "protocol1://a:1,b:2", Method: "/busi.Busi/TransIn"},
			{URI: "protocol1:///[::1]:1,[::1]:2/Svc/M", Server: "protocol1:///[::1]:1,[::1]:2", Method: "/Svc/M"},
			{URI: "protocol1://[::1]:1/Svc/M", Server: "protocol1://[::1]:1", Method: "/Svc/M"},
			{URI: "127.0.0.1:8081/busi.Busi/TransIn", Server: "127.0.0.1:8081", Method: "/busi.Busi/TransIn"},
		},
		Malformed: []string{
			"localhost/busi.Busi/TransIn",
			"127.0.0.1:8081/prefix/busi.Busi/TransIn",
			"etcd://127.0.0.1:2379/busi.Busi/TransIn",
			"protocol1://a/busi.Busi/TransIn",
			"protocol1://a:1,/busi.Busi/TransIn",
			"protocol1://a:1,b/busi.Busi/TransIn",
			"protocol1://a:1/extra/busi.Busi/TransIn",
			"protocol1://a:1?x=1/busi.Busi/TransIn",
			"protocol1://[::1]:1,[::1]:2/busi.Busi/TransIn",
		},
		Publish: func(t *testing.T, name, addr string) string { return prefix + addr },
		// No registry: a target of static addresses is accepted and publishes
		// nothing; the address list itself reaches dtm.
		RegistrationTarget: func(t *testing.T, service, endpoint string) (string, string) {
			return prefix + endpoint, prefix + endpoint
		},
		MalformedTargets: []string{"protocol1://", "protocol1://localhost", "protocol1://a:1,b"},
	})
}

func FuzzParseServerMethod(f *testing.F) {
	dtmdrivertest.FuzzParseServerMethod(f, driver{},
		"protocol1://127.0.0.1:8081,127.0.0.1:8082/busi.Busi/TransIn",
		"protocol1:///[::1]:1,[::1]:2/Svc/M")
}

func TestRegisterGrpcService(t *testing.T) {
	tests := []struct {
		target, endpoint string
		ok               bool
	}{
		{"", "", true},
		{"protocol1://localhost:36790", "localhost:36790", true},
		{"protocol1:///[::1]:36790,[::1]:36791", "[::1]:36790", true},
		{"etcd://localhost:2379/dtmservice", "localhost:36790", false},
		{"protocol1://", "localhost:36790", false},
		{"protocol1://localhost", "localhost:36790", false},
		{"protocol1://localhost:36790", "36790", false},
	}
	for _, tt := range tests {
		err := driver{}.RegisterGrpcService(tt.target, tt.endpoint)
		if (err == nil) != tt.ok {
			t.Errorf("RegisterGrpcService(%q, %q) = %v, want ok=%v", tt.target, tt.endpoint, err, tt.ok)
		}
		if err != nil && !isBadURI(err) {
			t.Errorf("RegisterGrpcService(%q, %q) error %v does not wrap dtmdriver.ErrBadURI", tt.target, tt.endpoint, err)
		}
	}
}

func isBadURI(err error) bool { return errorsIs(err, dtmdriver.ErrBadURI) }
