package multi

import (
	"testing"

	_ "github.com/dtmdrivers/drivers/driver-consul"
	_ "github.com/dtmdrivers/drivers/driver-protocol1"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/consultest"
)

// The composite runs the suite over the drivers this test links: Consul (a
// real agent) and protocol1 (no registry). Its calls reach Consul's services
// through the Consul driver's resolver, and its registration target lists
// both registries' targets.
func TestConformance(t *testing.T) {
	var a *consultest.Agent
	if !testing.Short() {
		a = consultest.Start(t)
	}
	dtmdrivertest.RunConformanceTests(t, dtmdrivertest.Harness{
		Driver:  std,
		Schemes: []string{"consul", "protocol1"},
		Splits: []dtmdrivertest.Split{
			{URI: "consul://127.0.0.1:8500/busi/busi.Busi/TransIn", Server: "consul://127.0.0.1:8500/busi", Method: "/busi.Busi/TransIn"},
			{URI: "consul://h:8500/svc?wait=14s/pkg.Svc/Method", Server: "consul://h:8500/svc?wait=14s", Method: "/pkg.Svc/Method"},
			{URI: "protocol1://127.0.0.1:8081,127.0.0.1:8082/busi.Busi/TransIn", Server: "protocol1://127.0.0.1:8081,127.0.0.1:8082", Method: "/busi.Busi/TransIn"},
			{URI: "127.0.0.1:8081/busi.Busi/TransIn", Server: "127.0.0.1:8081", Method: "/busi.Busi/TransIn"},
			{URI: "[::1]:8081/busi.Busi/TransIn", Server: "[::1]:8081", Method: "/busi.Busi/TransIn"},
		},
		Malformed: []string{
			"etcd://127.0.0.1:2379/trans.rpc/busi.Busi/TransIn", // not linked here
			"dns:///localhost:8081/busi.Busi/TransIn",           // gRPC's own: not routed
			"passthrough:///localhost:8081/busi.Busi/TransIn",
			"consul://h:8500/busi.Busi/TransIn",
			"consul://h:8500/svc?token=" + dtmdrivertest.Secret + "/busi.Busi/TransIn",
			"protocol1://a/busi.Busi/TransIn",
			"nosuch://user:" + dtmdrivertest.Secret + "@h:1/svc/busi.Busi/TransIn",
			"localhost/busi.Busi/TransIn",
		},
		Registry: a, // nil with -short: the parse checks run without an agent
		RegistrationTarget: func(t *testing.T, service, endpoint string) (string, string) {
			if a == nil {
				t.Skip("-short: needs a Consul agent")
			}
			return "consul://" + a.Addr() + "/" + service + "?interval=1s; protocol1://" + endpoint,
				"consul://" + a.Addr() + "/" + service
		},
		MalformedTargets: []string{
			";",
			"127.0.0.1:2379",
			"etcd://127.0.0.1:2379/dtmservice",
			"protocol1://127.0.0.1:1 nosuch://127.0.0.1:1",
			"dns:///localhost:36790",
		},
	})
}
