package polaris

import (
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/polaristest"
	"github.com/polarismesh/polaris-go/pkg/model"
)

var _ dtmdrivertest.Registry = (*polaristest.Server)(nil)

func TestConformance(t *testing.T) {
	// With -short, everything but the Call check runs, without a server.
	var srv *polaristest.Server
	if !testing.Short() {
		srv = polaristest.Start(t)
		if err := Configure(testConfig(t, srv)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = std.Close()
			_ = Configure(Config{})
		})
	}
	dtmdrivertest.RunConformanceTests(t, dtmdrivertest.Harness{
		Driver:  std,
		Schemes: []string{Scheme},
		Splits:  splits,
		Malformed: []string{
			"localhost/busi.Busi/TransIn",
			"etcd://127.0.0.1:2379/busi.Busi/TransIn",
			"polaris:///busi.Busi/TransIn",
			"polaris://svc/extra/busi.Busi/TransIn",
			"polaris://s%20vc/busi.Busi/TransIn",
			"polaris://svc?namespace=/busi.Busi/TransIn",
			"polaris://svc?namespace=a:b/busi.Busi/TransIn",
			"polaris://svc?ns=a/busi.Busi/TransIn",
			"polaris://svc?token=" + dtmdrivertest.Secret + "/busi.Busi/TransIn",
			"polaris://svc/busi.Busi/TransIn?access_token=" + dtmdrivertest.Secret,
			"polaris://svc?options=not*base64/busi.Busi/TransIn",
			"polaris://svc?options=/busi.Busi/TransIn",
			"polaris://svc?metadata.env=%zz/busi.Busi/TransIn",
			"polaris://svc?&/busi.Busi/TransIn",
			"polaris://user:" + dtmdrivertest.Secret + "@svc/busi.Busi/TransIn",
			"polaris:///user:" + dtmdrivertest.Secret + "@svc/busi.Busi/TransIn",
			"polaris://svc?token=S3c#" + dtmdrivertest.Secret + "/busi.Busi/TransIn",
			"polaris://svc?namespace=a&x-api-key=" + dtmdrivertest.Secret + "/busi.Busi/TransIn",
		},
		Publish: func(t *testing.T, name, addr string) string {
			if srv == nil {
				t.Skip("-short: needs a Polaris server")
			}
			server := srv.Publish(t, name, addr)
			// Warm the driver's connection to the server up before the suite
			// tracks goroutines: it lives until the driver's Close, which
			// TestLeaks checks.
			sc, err := std.server()
			if err != nil {
				t.Fatal(err)
			}
			s, err := std.sdkFor(sc)
			if err != nil {
				t.Fatal(err)
			}
			c, err := s.discoverConnOf()
			if err != nil {
				t.Fatal(err)
			}
			x := discoverer{key: model.ServiceKey{Namespace: DefaultNamespace, Service: name}}
			defer x.close()
			dtmdrivertest.WaitFor(t, 20*time.Second, name+" in the server's naming cache", func() bool {
				instances, _, err := x.fetch(c)
				return err == nil && len(instances) == 1
			})
			return server
		},
		Registry:    srv, // Listed; Publish above also warms the driver's cache
		CallTimeout: 30 * time.Second,
		RegistrationTarget: func(t *testing.T, service, endpoint string) (string, string) {
			if srv == nil {
				t.Skip("-short: needs a Polaris server")
			}
			return prefix + srv.GRPCAddr() + "/" + service + "?ttl=2", prefix + service + "?namespace=" + DefaultNamespace
		},
		MalformedTargets: []string{
			"polaris://127.0.0.1:1",
			"polaris://127.0.0.1:1/dtm/service",
			"polaris://127.0.0.1:1/dtmservice?colour=blue",
			"polaris://u:" + dtmdrivertest.Secret + "@127.0.0.1:1/dtmservice",
			"etcd://127.0.0.1:2379/dtmservice",
		},
	})
}

var splits = []dtmdrivertest.Split{
	{URI: "polaris://busi/busi.Busi/TransIn", Server: "polaris://busi", Method: "/busi.Busi/TransIn"},
	{URI: "polaris://busi?namespace=Test/busi.Busi/TransIn", Server: "polaris://busi?namespace=Test", Method: "/busi.Busi/TransIn"},
	{URI: "polaris://busi/busi.Busi/TransIn?namespace=Test", Server: "polaris://busi?namespace=Test", Method: "/busi.Busi/TransIn"},
	{URI: "polaris://busi.svc-1_a?namespace=ns&metadata.env=prod/pkg.Svc/M", Server: "polaris://busi.svc-1_a?namespace=ns&metadata.env=prod", Method: "/pkg.Svc/M"},
	{URI: "polaris://busi?options=eyJOYW1lc3BhY2UiOiJUZXN0In0=/busi.Busi/TransIn", Server: "polaris://busi?options=eyJOYW1lc3BhY2UiOiJUZXN0In0=", Method: "/busi.Busi/TransIn"},
	{URI: "polaris://busi/?options=eyJOYW1lc3BhY2UiOiJUZXN0In0=/busi.Busi/TransIn", Server: "polaris://busi/?options=eyJOYW1lc3BhY2UiOiJUZXN0In0=", Method: "/busi.Busi/TransIn"},
	{URI: "127.0.0.1:36790/dtmgimp.Dtm/Submit", Server: "127.0.0.1:36790", Method: "/dtmgimp.Dtm/Submit"},
}

func FuzzParseServerMethod(f *testing.F) {
	seeds := make([]string, 0, len(splits))
	for _, s := range splits {
		seeds = append(seeds, s.URI)
	}
	dtmdrivertest.FuzzParseServerMethod(f, std, seeds...)
}
