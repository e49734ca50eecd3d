package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/consultest"
	"github.com/dtmdrivers/drivers/testenv/etcdtest"
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
		"registers: "+notDtm.Addr+" as dtmservice in consul "+agent.Addr()+"\n", "options:   tags=dtm\n", "with:      token\n",
		"service dtmservice: 1 instance", "passing", "registered: true", "FAILS: answers gRPC but not dtm's API")

	r = run(t, "check", "-c", writeConf(t, msConf("dtm-driver-consul", "consul://"+agent.Addr()+"/dtmservice", notDtm.Addr, port)))
	wantCode(t, r, ExitFailure)
	wantContains(t, "check", r.stdout, `no dtm is registered under "dtmservice" in consul`, "the target has no token=")
}
