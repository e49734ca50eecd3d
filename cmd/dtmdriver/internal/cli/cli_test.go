package cli

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout []string // on stdout (help asked for)
		stderr []string // on stderr (usage errors)
	}{
		{"no command", nil, ExitUsage, nil, []string{"Commands:", "split", "resolve", "check", "Exit codes:"}},
		{"help", []string{"--help"}, ExitOK, []string{"Commands:", "drivers", "-o json"}, nil},
		{"help command", []string{"help", "resolve"}, ExitOK, []string{"Usage: dtmdriver resolve", "-watch", "Examples:", "dtmdriver resolve -watch"}, nil},
		{"command -h", []string{"check", "-h"}, ExitOK, []string{"Usage: dtmdriver check", "-c", "Examples:", "dtmdriver check -c"}, nil},
		{"help unknown", []string{"help", "frob"}, ExitUsage, nil, []string{`unknown command "frob"`}},
		{"unknown command", []string{"frob"}, ExitUsage, nil, []string{`unknown command "frob"`, "Commands:"}},
		{"unknown flag", []string{"split", "-x", "h:1/a.B/C"}, ExitUsage, nil, []string{"flag provided but not defined: -x", "Usage: dtmdriver split"}},
		{"bad -o", []string{"drivers", "-o", "yaml"}, ExitUsage, nil, []string{`-o "yaml": want text or json`}},
		{"split without URI", []string{"split"}, ExitUsage, nil, []string{"want one branch URI, got 0 arguments"}},
		{"split two URIs", []string{"split", "a:1/a.B/C", "b:1/a.B/C"}, ExitUsage, nil, []string{"got 2 arguments"}},
		{"resolve bad timeout", []string{"resolve", "-timeout", "0s", "h:1"}, ExitUsage, nil, []string{"-timeout 0s"}},
		{"check without -c", []string{"check"}, ExitUsage, nil, []string{"-c conf.yml is required"}},
		{"drivers with argument", []string{"drivers", "x"}, ExitUsage, nil, []string{"takes no arguments"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, tc.args...)
			wantCode(t, r, tc.code)
			wantContains(t, "stdout", r.stdout, tc.stdout...)
			wantContains(t, "stderr", r.stderr, tc.stderr...)
			if tc.code == ExitUsage && r.stdout != "" {
				t.Errorf("a usage error wrote to stdout:\n%s", r.stdout)
			}
		})
	}
}

func TestDrivers(t *testing.T) {
	r := run(t, "drivers")
	wantCode(t, r, ExitOK)
	wantContains(t, "drivers", r.stdout, "dtm-driver-consul\n  schemes:  consul\n", "dtm-driver-gozero\n  schemes:  etcd, discov, direct, k8s\n",
		"dtm-driver-polaris\n  schemes:  polaris\n", "dtm-driver-protocol1\n  schemes:  protocol1\n",
		"default\n  schemes:  (none: host:port only)\n  branches: host:port/package.Service/Method\n  target:   (registers nowhere)\n")

	res := decode[DriversResult](t, run(t, "drivers", "-o", "json"))
	var names []string
	for _, d := range res.Drivers {
		names = append(names, d.Name)
		if len(d.BranchForms) == 0 {
			t.Errorf("%s: no branch forms", d.Name)
		}
		if d.Name != "default" && (len(d.Schemes) == 0 || d.TargetForm == "") {
			t.Errorf("%s: schemes %q, target form %q; want both", d.Name, d.Schemes, d.TargetForm)
		}
	}
	want := []string{"default", "dtm-driver-consul", "dtm-driver-gozero", "dtm-driver-multi", "dtm-driver-polaris", "dtm-driver-protocol1"}
	if !slices.Equal(names, want) {
		t.Errorf("drivers %q, want %q", names, want)
	}
}

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		name, uri, driver string
		want              SplitResult
	}{
		{"gozero", "etcd://127.0.0.1:2379/trans.rpc/busi.Busi/TransIn", "",
			SplitResult{Driver: "dtm-driver-gozero", Scheme: "etcd", Server: "etcd://127.0.0.1:2379/trans.rpc", Method: "/busi.Busi/TransIn"}},
		{"consul query before the method", "consul://127.0.0.1:8500/busi?tag=blue/busi.Busi/TransIn", "",
			SplitResult{Driver: "dtm-driver-consul", Scheme: "consul", Server: "consul://127.0.0.1:8500/busi?tag=blue", Method: "/busi.Busi/TransIn"}},
		{"polaris", "polaris://busi?namespace=prod/busi.Busi/TransIn", "",
			SplitResult{Driver: "dtm-driver-polaris", Scheme: "polaris", Server: "polaris://busi?namespace=prod", Method: "/busi.Busi/TransIn"}},
		{"-driver multi routes by scheme", "polaris://busi/busi.Busi/TransIn", "dtm-driver-multi",
			SplitResult{Driver: "dtm-driver-multi", Scheme: "polaris", Server: "polaris://busi", Method: "/busi.Busi/TransIn"}},
		{"protocol1", "protocol1://127.0.0.1:8081,127.0.0.1:8082/busi.Busi/TransIn", "",
			SplitResult{Driver: "dtm-driver-protocol1", Scheme: "protocol1", Server: "protocol1://127.0.0.1:8081,127.0.0.1:8082", Method: "/busi.Busi/TransIn"}},
		{"no scheme: the default driver", "127.0.0.1:8081/busi.Busi/TransIn", "",
			SplitResult{Driver: "default", Server: "127.0.0.1:8081", Method: "/busi.Busi/TransIn"}},
		{"-driver", "dns:///busi.internal:8081/busi.Busi/TransIn", "dtm-driver-gozero",
			SplitResult{Driver: "dtm-driver-gozero", Scheme: "dns", Server: "dns:///busi.internal:8081", Method: "/busi.Busi/TransIn"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"split", tc.uri}
			if tc.driver != "" {
				args = append(args, "-driver", tc.driver)
			}
			r := run(t, args...)
			wantCode(t, r, ExitOK)
			wantContains(t, "split", r.stdout, "driver:  "+tc.want.Driver+"\n", "server:  "+tc.want.Server+"\n", "method:  "+tc.want.Method+"\n")
			got := decode[SplitResult](t, run(t, append(args, "-o", "json")...))
			tc.want.URI = tc.uri
			if got != tc.want {
				t.Errorf("split -o json = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestSplitRefused(t *testing.T) {
	for _, tc := range []struct {
		name, uri, driver string
		want              []string // in the error
	}{
		{"unknown scheme", "zk://h:2181/busi/busi.Busi/TransIn", "", []string{`no linked driver owns the scheme "zk"`, "consul, direct, discov, etcd, k8s, polaris, protocol1"}},
		{"unknown -driver", "h:1/a.B/C", "dtm-driver-nacos", []string{`no driver named "dtm-driver-nacos"`, "dtm-driver-consul"}},
		{"no method", "etcd://127.0.0.1:2379/trans.rpc", "", []string{"want etcd://"}},
		{"password", "etcd://user:" + dtmdrivertest.Secret + "@127.0.0.1:2379/trans.rpc/busi.Busi/TransIn", "", []string{"userinfo", "xxxxx"}},
		{"token", "consul://127.0.0.1:8500/busi?token=" + dtmdrivertest.Secret + "/busi.Busi/TransIn", "", []string{"credential", "want consul://"}},
		{"default driver with a scheme", "consul://127.0.0.1:8500/busi/busi.Busi/TransIn", "default", []string{`scheme "consul" needs a driver`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"split", tc.uri}
			if tc.driver != "" {
				args = append(args, "-driver", tc.driver)
			}
			r := run(t, args...)
			wantCode(t, r, ExitFailure)
			wantContains(t, "split", r.stdout, append([]string{"error:   "}, tc.want...)...)
			jr := run(t, append(args, "-o", "json")...)
			wantCode(t, jr, ExitFailure)
			got := decode[SplitResult](t, jr)
			if got.Server != "" || got.Method != "" {
				t.Errorf("a refused URI split into %q and %q", got.Server, got.Method)
			}
			wantContains(t, "JSON error", got.Error, tc.want...)
		})
	}
}

// TestConflictPolicySetFirst: etcd's authpb and polaris-go's security API
// share the file path "auth.proto"; internal/protofiles sets the policy that
// lets both register, before either initialises (reaching this test means
// no package panicked), and without a warning.
func TestConflictPolicySetFirst(t *testing.T) {
	if got := os.Getenv("GOLANG_PROTOBUF_REGISTRATION_CONFLICT"); got != "ignore" {
		t.Errorf("conflict policy %q, want ignore set by internal/protofiles", got)
	}
	for _, name := range []protoreflect.FullName{"authpb.User", "v1.User"} {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if path := d.ParentFile().Path(); path != "auth.proto" {
			t.Errorf("%s is in %q, want auth.proto", name, path)
		}
	}
}

func TestVersion(t *testing.T) {
	r := run(t, "version")
	wantCode(t, r, ExitOK)
	wantContains(t, "version", r.stdout, "dtmdriver ", "dtm-driver-consul      github.com/dtmdrivers/drivers/driver-consul ",
		"dtm-driver-gozero      github.com/dtmdrivers/drivers/driver-gozero ", "dtm-driver-polaris", "dtm-driver-protocol1",
		"default                github.com/dtmdrivers/drivers/dtmdriver ")
	v := decode[VersionInfo](t, run(t, "version", "-o", "json"))
	if v.Version == "" || !strings.HasPrefix(v.GoVersion, "go") || len(v.Drivers) != 6 {
		t.Errorf("version -o json = %+v; want a version, Go's, and dtmdriver with the five drivers", v)
	}
}
