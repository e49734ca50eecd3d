package consul

import (
	"errors"
	"strings"
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/consultest"
)

var _ dtmdrivertest.Registry = (*consultest.Agent)(nil)

func TestConformance(t *testing.T) {
	// With -short, everything but the Call check runs, without an agent.
	var a *consultest.Agent
	if !testing.Short() {
		a = consultest.Start(t)
	}
	dtmdrivertest.RunConformanceTests(t, dtmdrivertest.Harness{
		Driver:  std,
		Schemes: []string{Scheme},
		Splits: []dtmdrivertest.Split{
			{URI: "consul://127.0.0.1:8500/busi/busi.Busi/TransIn", Server: "consul://127.0.0.1:8500/busi", Method: "/busi.Busi/TransIn"},
			{URI: "consul://consul.local:8500/user.rpc?wait=14s/pkg.Svc/Method", Server: "consul://consul.local:8500/user.rpc?wait=14s", Method: "/pkg.Svc/Method"},
			{URI: "consul://h:8500/user.rpc/pkg.Svc/Method?healthy=false&tag=rpc", Server: "consul://h:8500/user.rpc?healthy=false&tag=rpc", Method: "/pkg.Svc/Method"},
			{URI: "consul://h:8500/svc?dc=dc2&tag=a&tag=b&near=_agent&limit=3/pkg.Svc/Method", Server: "consul://h:8500/svc?dc=dc2&tag=a&tag=b&near=_agent&limit=3", Method: "/pkg.Svc/Method"},
			{URI: "consul://[::1]:8500/busi/busi.Busi/TransIn", Server: "consul://[::1]:8500/busi", Method: "/busi.Busi/TransIn"},
			{URI: "consul:///busi/busi.Busi/TransIn", Server: "consul:///busi", Method: "/busi.Busi/TransIn"},
			{URI: "127.0.0.1:8081/busi.Busi/TransIn", Server: "127.0.0.1:8081", Method: "/busi.Busi/TransIn"},
		},
		Malformed: []string{
			"consul://h:8500/busi.Busi/TransIn",
			"consul://h/busi/busi.Busi/TransIn",
			"consul://h:8500/a/b/busi.Busi/TransIn",
			"consul://h:8500/svc?token=" + dtmdrivertest.Secret + "/busi.Busi/TransIn",
			"consul://h:8500/svc/busi.Busi/TransIn?token=" + dtmdrivertest.Secret,
			"consul://user:" + dtmdrivertest.Secret + "@h:8500/svc/busi.Busi/TransIn",
			"consul://" + dtmdrivertest.Secret + "@h:8500/svc/busi.Busi/TransIn",
			"consul://h:8500/svc?wait=soon/busi.Busi/TransIn",
			"consul://h:8500/svc?healthy=maybe/busi.Busi/TransIn",
			"consul://h:8500/svc?tag=/busi.Busi/TransIn",
			"consul://h:8500/svc?bogus=1/busi.Busi/TransIn",
			"consul://h:8500/svc?insecure=true/busi.Busi/TransIn",
			"consul://h:8500/svc?limit=-1/busi.Busi/TransIn",
			"consul://h:8500/svc?wait=%zz/busi.Busi/TransIn",
			"etcd://h:2379/svc/busi.Busi/TransIn",
			"localhost/busi.Busi/TransIn",
			"consul:///user:" + dtmdrivertest.Secret + "@h:1/svc/busi.Busi/TransIn",
			"consul:///" + dtmdrivertest.Secret + "@svc/busi.Busi/TransIn",
			"consul://h:8500/svc?x-api-key=" + dtmdrivertest.Secret + "/busi.Busi/TransIn",
			"consul://h:8500/svc?wait=1s;Token=" + dtmdrivertest.Secret + "/busi.Busi/TransIn",
		},
		Registry: a, // nil with -short: the parse checks run without an agent
		RegistrationTarget: func(t *testing.T, service, endpoint string) (string, string) {
			if a == nil {
				t.Skip("-short: needs a Consul agent")
			}
			return "consul://" + a.Addr() + "/" + service + "?interval=1s", "consul://" + a.Addr() + "/" + service
		},
		MalformedTargets: []string{
			"consul://127.0.0.1:1",
			"consul://127.0.0.1:1/dtmservice?check=http",
			"consul://127.0.0.1:1/dtmservice?colour=blue&token=" + dtmdrivertest.Secret,
			"consul://u:" + dtmdrivertest.Secret + "@127.0.0.1:1/dtmservice",
			"etcd://127.0.0.1:2379/dtmservice",
		},
	})
}

func FuzzParseServerMethod(f *testing.F) {
	dtmdrivertest.FuzzParseServerMethod(f, std,
		"consul://127.0.0.1:8500/busi/busi.Busi/TransIn",
		"consul://h:8500/user.rpc?wait=14s/pkg.Svc/Method",
		"consul://h:8500/user.rpc/pkg.Svc/Method?healthy=false&tag=rpc",
		"consul:///busi/busi.Busi/TransIn")
}

// TestParseErrors checks that each kind of mistake gets its own reason.
func TestParseErrors(t *testing.T) {
	tests := []struct{ uri, want string }{
		{"consul://h:8500/busi.Busi/TransIn", "no Consul service name"},
		{"consul://h/svc/busi.Busi/TransIn", "not host:port"},
		{"consul://h:8500/svc?token=x/busi.Busi/TransIn", "CONSUL_HTTP_TOKEN"},
		{"consul://u:p@h:8500/svc/busi.Busi/TransIn", "userinfo"},
		{"consul:///u:p@h:1/svc/busi.Busi/TransIn", "userinfo"},
		{"consul://h:8500/svc?tags=a&token=S3c&r3tX9/busi.Busi/TransIn", "CONSUL_HTTP_TOKEN"},
		{"consul://h:8500/svc?wait=1ms/busi.Busi/TransIn", "from 1s to 10m"},
		{"consul://h:8500/svc?tags=a/busi.Busi/TransIn", `unknown option "tags"`},
		{"etcd://h:2379/svc/busi.Busi/TransIn", "the scheme must be consul"},
	}
	for _, tt := range tests {
		_, _, err := std.ParseServerMethod(tt.uri)
		if err == nil || !errors.Is(err, dtmdriver.ErrBadURI) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseServerMethod(%q) error = %v; want ErrBadURI mentioning %q", tt.uri, err, tt.want)
		}
	}
}

func TestRegisterGrpcServiceRejects(t *testing.T) {
	tests := []struct{ target, endpoint, want string }{
		{"etcd://h:2379/dtmservice", "127.0.0.1:36790", "must start with consul://"},
		{"consul://h:8500", "127.0.0.1:36790", "no Consul service name"},
		{"consul://h:8500/dtmservice?check=http", "127.0.0.1:36790", "check wants tcp or grpc"},
		{"consul://h:8500/dtmservice?interval=0s", "127.0.0.1:36790", "positive duration"},
		{"consul://h:8500/dtmservice?healthy=true", "127.0.0.1:36790", `unknown option "healthy"`},
		{"consul://h:8500/dtmservice", "36790", "not host:port"},
		{"consul://h:8500/dtmservice", "0.0.0.0:36790", "address clients can reach"},
		{"consul://h:8500/dtmservice?token=" + dtmdrivertest.Secret + "&check=x", "127.0.0.1:36790", "check wants"},
		// The tail of a token with an unescaped '&', ';' or '#' is not shown as an option name.
		{"consul://h:8500/dtmservice?token=S3c&" + dtmdrivertest.Secret, "127.0.0.1:36790", "unknown option (name not shown)"},
		{"consul://h:8500/dtmservice?token=S3c&" + dtmdrivertest.Secret + "=%zz", "127.0.0.1:36790", "(name not shown) has a malformed value"},
		{"consul://user:" + dtmdrivertest.Secret + "@h:8500/dtmservice", "127.0.0.1:36790", "credentials do not belong"},
		{"consul://h:8500/" + strings.Repeat("s/", 1<<19), "127.0.0.1:36790", "contains '/'"},
		{"consul://h:8500/dtmservice", "user:" + dtmdrivertest.Secret + "@h:1", "not host:port"},
	}
	d := &driver{}
	for _, tt := range tests {
		err := d.RegisterGrpcService(tt.target, tt.endpoint)
		switch {
		case err == nil || !errors.Is(err, dtmdriver.ErrBadURI) || !strings.Contains(err.Error(), tt.want):
			t.Errorf("RegisterGrpcService(%q, %q) = %v; want ErrBadURI mentioning %q", tt.target, tt.endpoint, err, tt.want)
		case strings.Contains(err.Error(), dtmdrivertest.Secret):
			t.Errorf("RegisterGrpcService(%q, %q) error quotes the token: %v", tt.target, tt.endpoint, err)
		case len(err.Error()) > dtmdrivertest.MaxErrorLen:
			t.Errorf("RegisterGrpcService(%.60q, %.60q) error is %d bytes", tt.target, tt.endpoint, len(err.Error()))
		}
	}
	if err := d.RegisterGrpcService("", "whatever"); err != nil {
		t.Errorf("RegisterGrpcService with an empty target = %v, want nil", err)
	}
}
