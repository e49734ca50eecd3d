package gozero_test

import (
	"testing"

	gozero "github.com/dtmdrivers/drivers/driver-gozero"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/etcdtest"
)

var _ dtmdrivertest.Registry = (*etcdtest.Etcd)(nil)

// splits are the forms a go-zero user writes, with the expected splits.
var splits = []dtmdrivertest.Split{
	{URI: "etcd://h1:2379,h2:2379/trans.rpc/pkg.Svc/Method", Server: "etcd://h1:2379,h2:2379/trans.rpc", Method: "/pkg.Svc/Method"},
	{URI: "etcd://h1:2379/a/b/trans.rpc/pkg.Svc/Method", Server: "etcd://h1:2379/a/b/trans.rpc", Method: "/pkg.Svc/Method"},
	{URI: "etcd:///h1:2379,h2:2379/pkg.Svc/Method?key=trans.rpc", Server: "etcd:///h1:2379,h2:2379?key=trans.rpc", Method: "/pkg.Svc/Method"},
	{URI: "etcd:///h1:2379,h2:2379?key=trans.rpc/pkg.Svc/Method", Server: "etcd:///h1:2379,h2:2379?key=trans.rpc", Method: "/pkg.Svc/Method"},
	{URI: "etcd:///h1:2379/pkg.Svc/Method?key=%2Fgrpc%2Ftrans", Server: "etcd:///h1:2379?key=%2Fgrpc%2Ftrans", Method: "/pkg.Svc/Method"},
	{URI: "discov://h1:2379,h2:2379/trans.rpc/pkg.Svc/Method", Server: "discov://h1:2379,h2:2379/trans.rpc", Method: "/pkg.Svc/Method"},
	{URI: "discov:///h1:2379/pkg.Svc/Method?key=trans.rpc", Server: "discov:///h1:2379?key=trans.rpc", Method: "/pkg.Svc/Method"},
	{URI: "direct:///10.0.0.1:8080,10.0.0.2:8080/pkg.Svc/Method", Server: "direct:///10.0.0.1:8080,10.0.0.2:8080", Method: "/pkg.Svc/Method"},
	{URI: "k8s://namespace/service:8080/pkg.Svc/Method", Server: "k8s://namespace/service:8080", Method: "/pkg.Svc/Method"},
	{URI: "k8s:///service/pkg.Svc/Method", Server: "k8s:///service", Method: "/pkg.Svc/Method"},
	{URI: "127.0.0.1:36790/dtmgimp.Dtm/Submit", Server: "127.0.0.1:36790", Method: "/dtmgimp.Dtm/Submit"},
	{URI: "[::1]:36790/dtmgimp.Dtm/Submit", Server: "[::1]:36790", Method: "/dtmgimp.Dtm/Submit"},
	{URI: "dns:///busi.example:8080/pkg.Svc/Method", Server: "dns:///busi.example:8080", Method: "/pkg.Svc/Method"},
}

// malformed are URIs this driver refuses beyond the shared corpus.
var malformed = []string{
	"etcd://h:2379/pkg.Svc/Method",            // no key
	"etcd:///h:2379/pkg.Svc/Method",           // no key, new form
	"etcd:///h:2379/trans.rpc/pkg.Svc/Method", // key in the path of the new form
	"etcd:///h:2379/pkg.Svc/Method?key=",      // empty key
	"etcd://h1,,h2/trans.rpc/pkg.Svc/Method",  // empty host
	"etcd:///,h1?key=k/pkg.Svc/Method",        // empty host
	"etcd://u:" + dtmdrivertest.Secret + "@h:2379/k/pkg.Svc/Method",
	"etcd:///h:2379/pkg.Svc/Method?key=k&password=" + dtmdrivertest.Secret,
	"etcd://h:2379/k?user=u&pass=" + dtmdrivertest.Secret + "/pkg.Svc/Method",
	"direct://10.0.0.1:8080/pkg.Svc/Method", // endpoints in the authority
	"direct:///a:1,/pkg.Svc/Method",         // empty endpoint
	"direct:///a:1/b/pkg.Svc/Method",        // two segments
	"k8s://ns/svc:port/pkg.Svc/Method",      // port not a number
	"k8s://ns//pkg.Svc/Method",              // no service
	"k8s://ns/a/b/pkg.Svc/Method",           // two segments
	"nosuchscheme://h:1/svc/pkg.Svc/Method", // no resolver
	"localhost/pkg.Svc/Method",              // no port
	"h:port/pkg.Svc/Method",                 // port not a number
	"user@h:1/pkg.Svc/Method",               // userinfo without a scheme
	// Credentials go-zero's docs keep out of branch URIs, however written.
	"etcd:///user:" + dtmdrivertest.Secret + "@h:2379/pkg.Svc/Method?key=k",
	"etcd:///h:2379/pkg.Svc/Method?key=k&Password=" + dtmdrivertest.Secret,
	"etcd:///h:2379/pkg.Svc/Method?key=k&apikey=" + dtmdrivertest.Secret,
	"etcd:///h:2379/pkg.Svc/Method?key=k&secret=" + dtmdrivertest.Secret,
	"etcd:///h:2379?auth=" + dtmdrivertest.Secret + "&key=k/pkg.Svc/Method",
	"etcd:///h:2379/pkg.Svc/Method?key=k&User=u",
	"direct:///user:" + dtmdrivertest.Secret + "@10.0.0.1:8080/pkg.Svc/Method",
	"dns:///user:" + dtmdrivertest.Secret + "@h:53/pkg.Svc/Method",
	// Servers gRPC cannot parse.
	"etcd://user:S3c/" + dtmdrivertest.Secret + "@h:1/key/pkg.Svc/Method",
	"dns://user:S3c?" + dtmdrivertest.Secret + "@h:53/pkg.Svc/Method",
	"etcd://h:1,b/key/pkg.Svc/Method",
}

func TestConformance(t *testing.T) {
	d, _ := dtmdriver.Lookup(gozero.DriverName)
	dtmdrivertest.RunConformanceTests(t, dtmdrivertest.Harness{
		Driver:    d,
		Schemes:   []string{"etcd", "discov", "direct", "k8s"},
		Splits:    splits,
		Malformed: malformed,
		Registry:  etcd, // nil with -short: the parse checks run without etcd
		RegistrationTarget: func(t *testing.T, service, endpoint string) (string, string) {
			e := needEtcd(t)
			return "etcd://" + e.Endpoint() + "/" + service, "etcd://" + e.Endpoint() + "/" + service
		},
		MalformedTargets: []string{
			"etcd://127.0.0.1:1",
			"etcd:///127.0.0.1:1/dtmservice",
			"consul://127.0.0.1:8500/dtmservice",
			"etcd://127.0.0.1:1/dtmservice?colour=blue&password=" + dtmdrivertest.Secret,
			"etcd://127.0.0.1:1/dtmservice?user=u&password=a#" + dtmdrivertest.Secret,
			"etcd://u:a#" + dtmdrivertest.Secret + "@127.0.0.1:1/dtmservice",
		},
	})
}
