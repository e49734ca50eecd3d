package cli

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	polaris "github.com/dtmdrivers/drivers/driver-polaris"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/consultest"
	"github.com/dtmdrivers/drivers/testenv/etcdtest"
	"github.com/dtmdrivers/drivers/testenv/polaristest"
)

// writeConf writes a dtm configuration file and returns its path.
func writeConf(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "conf.yml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func msConf(driver, target, endpoint string, grpcPort int) string {
	return fmt.Sprintf("GrpcPort: %d\nMicroService:\n  Driver: %q\n  Target: %q\n  EndPoint: %q\n", grpcPort, driver, target, endpoint)
}

func TestCheckConfigProblems(t *testing.T) {
	secret := dtmdrivertest.Secret
	for _, tc := range []struct {
		name, conf string
		want       []string
	}{
		{"unknown driver", msConf("dtm-driver-nacos", "", "127.0.0.1:36790", 36790),
			[]string{`MicroService.Driver "dtm-driver-nacos" is not a linked driver`, "dtm-driver-gozero"}},
		{"target without key", msConf("dtm-driver-gozero", "etcd://127.0.0.1:2379", "127.0.0.1:36790", 36790),
			[]string{"no key to register dtm under", "want etcd://host:port"}},
		{"unknown option, password", msConf("dtm-driver-gozero", "etcd://127.0.0.1:2379/dtm?password="+secret+"&color=red", "127.0.0.1:36790", 36790),
			[]string{"unknown option", "(known: key, user, password"}},
		{"consul target of the gozero driver", msConf("dtm-driver-gozero", "consul://127.0.0.1:8500/dtmservice", "127.0.0.1:36790", 36790),
			[]string{`scheme "consul": this driver registers dtm in etcd`}},
		{"consul bad interval", msConf("dtm-driver-consul", "consul://127.0.0.1:8500/dtmservice?token="+secret+"&interval=soon", "127.0.0.1:36790", 36790),
			[]string{"option interval wants a positive duration", "want consul://"}},
		{"polaris ttl", msConf("dtm-driver-polaris", "polaris://127.0.0.1:8091/dtmservice?ttl=0", "127.0.0.1:36790", 36790),
			[]string{"ttl is a whole number of seconds from 1 to 3600"}},
		{"unspecified endpoint", msConf("dtm-driver-gozero", "etcd://127.0.0.1:2379/dtmservice", "0.0.0.0:36790", 36790),
			[]string{"unspecified", "host:port"}},
		{"endpoint with a scheme", msConf("dtm-driver-consul", "consul://127.0.0.1:8500/dtmservice", "grpc://"+secret+":36790", 36790),
			[]string{"has a scheme"}},
		{"not YAML", "MicroService: [\"etcd://u:" + secret + "@h:1/k\"\n", []string{"not dtm's YAML configuration"}},
		{"wrong shape", "MicroService: \"etcd://u:" + secret + "@h:1/k\"\n", []string{"not dtm's YAML configuration", "cannot unmarshal"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConf(t, tc.conf)
			r := run(t, "check", "-c", path, "-timeout", "2s")
			wantCode(t, r, ExitFailure)
			wantContains(t, "check", r.stdout, append([]string{"problem"}, tc.want...)...)
			res := decode[CheckResult](t, run(t, "check", "-c", path, "-timeout", "2s", "-o", "json"))
			if res.OK || len(res.Problems) == 0 {
				t.Fatalf("check -o json: ok %v, problems %q; want a problem", res.OK, res.Problems)
			}
			wantContains(t, "problems", strings.Join(res.Problems, "\n"), tc.want...)
		})
	}
	t.Run("missing file", func(t *testing.T) {
		r := run(t, "check", "-c", filepath.Join(t.TempDir(), "nope.yml"))
		wantCode(t, r, ExitFailure)
		wantContains(t, "check", r.stdout, "reading dtm's configuration", "no such file")
	})
}

// TestCheckEtcdAuth checks a configuration whose target carries an etcd
// account, against an etcd with authentication on, where a gRPC server that
// is not dtm is registered as dtm: the registry is read with the target's
// account, and the instance is found registered and not answering dtm's API.
func TestCheckEtcdAuth(t *testing.T) {
	if testing.Short() {
		t.Skip("needs etcd: not with -short")
	}
	e := etcdtest.Start(t)
	password := "pw-" + dtmdrivertest.Secret
	e.EnableAuth(t, etcdtest.User{Name: "dtm", Password: password, Prefix: "dtmservice"})
	notDtm := dtmdrivertest.StartCountingServer(t, "busi")
	e.Publish(t, "dtmservice", notDtm.Addr)
	_, port := dtmdrivertest.HostPort(t, notDtm.Addr)
	target := "etcd://dtm:" + password + "@" + e.Endpoint() + "/dtmservice"

	path := writeConf(t, msConf("dtm-driver-gozero", target, notDtm.Addr, port))
	r := run(t, "check", "-c", path)
	wantCode(t, r, ExitFailure)
	wantContains(t, "check", r.stdout,
		"driver:     dtm-driver-gozero\n", "target:     etcd://dtm:xxxxx@"+e.Endpoint()+"/dtmservice\n",
		"registers: "+notDtm.Addr+" as dtmservice in etcd "+e.Endpoint()+"\n", "with:      password, user\n",
		"clients:   etcd://"+e.Endpoint()+"/dtmservice/<package.Service>/<Method>\n",
		"keys under dtmservice/: 1 instance", "endpoint "+notDtm.Addr+" registered: true",
		"FAILS: answers gRPC but not dtm's API", "1 problem:\n")

	res := decode[CheckResult](t, run(t, "check", "-c", path, "-o", "json"))
	if res.OK || len(res.Registrations) != 1 {
		t.Fatalf("check -o json: ok %v, %d registrations; want not ok, one", res.OK, len(res.Registrations))
	}
	rc := res.Registrations[0]
	if rc.Kind != "grpc" || !rc.Registered || rc.Plan.Registry != "etcd" || rc.Plan.ClientURI != "etcd://"+e.Endpoint()+"/dtmservice" ||
		!slices.Equal(rc.Plan.Credentials, []string{"password", "user"}) {
		t.Errorf("registration %+v; want grpc, registered, etcd, the client URI and the credentials named", rc)
	}
	if len(rc.Probes) != 1 || rc.Probes[0].Answers || !strings.Contains(rc.Probes[0].Error, "unimplemented") {
		t.Errorf("probes %+v; want one that found no dtm", rc.Probes)
	}

	t.Run("WrongPassword", func(t *testing.T) {
		wrong := strings.Replace(target, password, "wrong-"+dtmdrivertest.Secret, 1)
		r := run(t, "check", "-c", writeConf(t, msConf("dtm-driver-gozero", wrong, notDtm.Addr, port)))
		wantCode(t, r, ExitFailure)
		wantContains(t, "check", r.stdout, "the registry: etcd", "authentication failed")
	})
	t.Run("EndPointNotRegistered", func(t *testing.T) {
		other := closedAddr(t)
		r := run(t, "check", "-c", writeConf(t, msConf("dtm-driver-gozero", target, other, port)))
		wantCode(t, r, ExitFailure)
		wantContains(t, "check", r.stdout, "EndPoint "+other+" is not registered under \"dtmservice\"; the registry lists "+notDtm.Addr,
			"dtm at "+other, "does not answer", "warning: EndPoint's port")
	})
	t.Run("NothingRegistered", func(t *testing.T) {
		empty := strings.Replace(target, "/dtmservice", "/dtmservice-none", 1)
		r := run(t, "check", "-c", writeConf(t, msConf("dtm-driver-gozero", empty, notDtm.Addr, port)))
		wantCode(t, r, ExitFailure)
		wantContains(t, "check", r.stdout, `no dtm is registered under "dtmservice-none" in etcd`)
	})
}

func TestCheckConsulToken(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a Consul agent: not with -short")
	}
	token := "acl-" + dtmdrivertest.Secret
	t.Setenv("CONSUL_HTTP_TOKEN", "")
	t.Setenv("CONSUL_HTTP_TOKEN_FILE", "")
	agent := consultest.Start(t, consultest.WithACL(token))
	notDtm := dtmdrivertest.StartCountingServer(t, "dtm")
	agent.Publish(t, "dtmservice", notDtm.Addr)
	_, port := dtmdrivertest.HostPort(t, notDtm.Addr)

	r := run(t, "check", "-c", writeConf(t, msConf("dtm-driver-consul", "consul://"+agent.Addr()+"/dtmservice?token="+token+"&tags=dtm", notDtm.Addr, port)))
	wantCode(t, r, ExitFailure)
	wantContains(t, "check", r.stdout, "target:     consul://"+agent.Addr()+"/dtmservice?token=xxxxx\n",
		"registers: "+notDtm.Addr+" as dtmservice in consul "+agent.Addr()+"\n", "options:   check=tcp deregister-after=1m0s interval=10s tags=dtm timeout=5s\n", "with:      token\n",
		"service dtmservice: 1 instance", "passing", "registered: true", "FAILS: answers gRPC but not dtm's API")

	r = run(t, "check", "-c", writeConf(t, msConf("dtm-driver-consul", "consul://"+agent.Addr()+"/dtmservice", notDtm.Addr, port)))
	wantCode(t, r, ExitFailure)
	wantContains(t, "check", r.stdout, `no dtm is registered under "dtmservice" in consul`, "the target has no token=")
}

func TestCheckPolarisToken(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a Polaris server: not with -short")
	}
	s := polaristest.Start(t, polaristest.WithAuth())
	t.Setenv("DTM_POLARIS_DIR", t.TempDir())
	t.Cleanup(func() { _ = polaris.Configure(polaris.Config{}) }) // check configured the driver for the process
	notDtm := dtmdrivertest.StartCountingServer(t, "dtm")
	s.Publish(t, "dtmpolaris", notDtm.Addr)
	dtmdrivertest.WaitFor(t, 10*time.Second, "the server to list dtmpolaris", func() bool {
		return slices.Contains(dtmdrivertest.Listed(t, s, "dtmpolaris"), notDtm.Addr)
	})
	_, port := dtmdrivertest.HostPort(t, notDtm.Addr)
	target := "polaris://" + s.GRPCAddr() + "/dtmpolaris?namespace=default&token=" + url.QueryEscape(s.Token()) + "&ttl=5"

	r := run(t, "check", "-timeout", "20s", "-c", writeConf(t, msConf("dtm-driver-polaris", target, notDtm.Addr, port)))
	if strings.Contains(r.stdout+r.stderr, s.Token()) || strings.Contains(r.stdout+r.stderr, url.QueryEscape(s.Token())) {
		t.Errorf("check printed the Polaris token:\n%s", r.stdout)
	}
	wantCode(t, r, ExitFailure)
	wantContains(t, "check", r.stdout, "target:     polaris://"+s.GRPCAddr()+"/dtmpolaris?namespace=default&token=xxxxx\n",
		"registers: "+notDtm.Addr+" as dtmpolaris in polaris "+s.GRPCAddr()+", namespace default\n", "options:   ttl=5s\n", "with:      token\n",
		"clients:   polaris://dtmpolaris/<package.Service>/<Method>\n", "service dtmpolaris: 1 instance", "registered: true",
		"FAILS: answers gRPC but not dtm's API")
}

func TestLoadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		file string
		env  map[string]string
		want dtmConfig
	}{
		{"defaults", "", nil, conf("default", "", "", 36789, 36790)},
		{"file", msConf("dtm-driver-consul", "consul://h:8500/dtm", "10.0.0.5:36790", 36790) + "HttpPort: 8080\n", nil,
			conf("dtm-driver-consul", "consul://h:8500/dtm", "10.0.0.5:36790", 8080, 36790)},
		{"environment", "", map[string]string{"MICRO_SERVICE_DRIVER": "dtm-driver-gozero", "MICRO_SERVICE_TARGET": "etcd://h:2379/dtm",
			"MICRO_SERVICE_END_POINT": "10.0.0.5:1", "GRPC_PORT": "1"}, conf("dtm-driver-gozero", "etcd://h:2379/dtm", "10.0.0.5:1", 36789, 1)},
		{"the file over the environment", "MicroService:\n  Target: etcd://file:2379/dtm\n", map[string]string{"MICRO_SERVICE_DRIVER": "dtm-driver-gozero",
			"MICRO_SERVICE_TARGET": "etcd://env:2379/dtm"}, conf("dtm-driver-gozero", "etcd://file:2379/dtm", "", 36789, 36790)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := ""
			if tc.file != "" {
				path = writeConf(t, tc.file)
			}
			got, err := loadConfig(path, func(k string) string { return tc.env[k] })
			if err != nil || got != tc.want {
				t.Errorf("loadConfig = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	if _, err := loadConfig("", func(k string) string { return map[string]string{"GRPC_PORT": "x" + dtmdrivertest.Secret}[k] }); err == nil ||
		strings.Contains(err.Error(), dtmdrivertest.Secret) || !strings.Contains(err.Error(), "GRPC_PORT") {
		t.Errorf("a bad GRPC_PORT: %v; want an error naming it, without its value", err)
	}
}

func conf(driver, target, endpoint string, httpPort, grpcPort int64) dtmConfig {
	var c dtmConfig
	c.HTTPPort, c.GrpcPort = httpPort, grpcPort
	c.MicroService.Driver, c.MicroService.Target, c.MicroService.EndPoint = driver, target, endpoint
	return c
}

func TestPlanTarget(t *testing.T) {
	for _, tc := range []struct {
		driver, target string
		registry       string
		servers        []string
		service, uri   string
		credentials    []string
	}{
		{"dtm-driver-gozero", "etcd://u:pw@h1:2379,h2:2379/dtmservice?id=7", "etcd", []string{"h1:2379", "h2:2379"}, "dtmservice",
			"etcd://h1:2379,h2:2379/dtmservice", []string{"password", "user"}},
		{"dtm-driver-gozero", "discov:///h1:2379?key=dtm&user=u&password=p&certFile=a&certKeyFile=b&caCertFile=c", "etcd", []string{"h1:2379"},
			"dtm", "etcd://h1:2379/dtm", []string{"password", "tls", "user"}},
		{"dtm-driver-consul", "consul:///dtmservice?tags=a,b", "consul", []string{}, "dtmservice", "consul:///dtmservice", []string{}},
		{"dtm-driver-polaris", "polaris://h:8091,g:8091/dtm?namespace=prod&token=t", "polaris", []string{"h:8091", "g:8091"}, "dtm",
			"polaris://dtm?namespace=prod", []string{"token"}},
		{"dtm-driver-protocol1", "protocol1://10.0.0.5:36790", "none", []string{}, "", "protocol1://10.0.0.5:36790", []string{}},
		{"dtm-driver-consul", "", "none", []string{}, "", "", []string{}},
		{"default", "anything", "none", []string{}, "", "", []string{}},
	} {
		t.Run(tc.driver+" "+tc.target, func(t *testing.T) {
			plans, err := planRegistrations(tc.driver, tc.target, "10.0.0.5:36790")
			if err != nil {
				t.Fatal(err)
			}
			if len(plans) != 1 {
				t.Fatalf("%d plans %+v; want one", len(plans), plans)
			}
			p := plans[0]
			if p.Registry != tc.registry || !slices.Equal(p.Servers, tc.servers) || p.Service != tc.service || p.ClientURI != tc.uri ||
				!slices.Equal(p.Credentials, tc.credentials) {
				t.Errorf("plan %+v; want registry %s, servers %q, service %q, client URI %q, credentials %q",
					p, tc.registry, tc.servers, tc.service, tc.uri, tc.credentials)
			}
		})
	}
}

func TestPlanRegistrationsMulti(t *testing.T) {
	plans, err := planRegistrations("dtm-driver-multi",
		"etcd://h:2379/dtmservice; consul://c:8500/dtmservice?http-service=dtm-web polaris://p:8091/dtmservice?namespace=prod", "10.0.0.5:36790")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range plans {
		got = append(got, p.Driver+" "+p.Registry+" "+p.ClientURI+" http:"+p.HTTPService)
	}
	want := []string{
		"dtm-driver-gozero etcd etcd://h:2379/dtmservice http:",
		"dtm-driver-consul consul consul://c:8500/dtmservice http:dtm-web",
		"dtm-driver-polaris polaris polaris://dtmservice?namespace=prod http:dtmservice-http",
	}
	if !slices.Equal(got, want) {
		t.Errorf("plans:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, tc := range []struct{ target, want string }{
		{"etcd://h:2379/dtm; zk://z:2181/dtm", "no linked driver owns scheme"},
		{"etcd://h:2379/dtm consul://c:8500/dtm?color=red", `unknown option "color"`},
	} {
		if _, err := planRegistrations("dtm-driver-multi", tc.target, "10.0.0.5:36790"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("planRegistrations(multi, %q) error %v, want %q", tc.target, err, tc.want)
		}
	}
}
