package multi

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
)

// lookup returns the registered driver named name (the test links consul and
// protocol1).
func lookup(t *testing.T, name string) dtmdriver.Driver {
	t.Helper()
	d, ok := dtmdriver.Lookup(name)
	if !ok {
		t.Fatalf("driver %q is not registered", name)
	}
	return d
}

func TestRoute(t *testing.T) {
	tests := []struct {
		uri    string
		driver string // the driver the URI routes to, or "" for an error
		errHas []string
	}{
		{uri: "consul://127.0.0.1:8500/busi/busi.Busi/TransIn", driver: "dtm-driver-consul"},
		{uri: "protocol1://127.0.0.1:8081/busi.Busi/TransIn", driver: "dtm-driver-protocol1"},
		{uri: "Consul://127.0.0.1:8500/busi/busi.Busi/TransIn", driver: "dtm-driver-consul"}, // schemes are case-insensitive
		{uri: "127.0.0.1:8081/busi.Busi/TransIn", driver: dtmdriver.DefaultName},
		{uri: "localhost/busi.Busi/TransIn", driver: dtmdriver.DefaultName}, // which refuses it
		{uri: "etcd://127.0.0.1:2379/trans.rpc/busi.Busi/TransIn",
			errHas: []string{`scheme "etcd"`, "dtm-driver-consul: consul", "dtm-driver-protocol1: protocol1", "host:port/package.Service/Method"}},
		{uri: "dns:///localhost:8081/busi.Busi/TransIn", errHas: []string{`scheme "dns" is gRPC's own`}},
		{uri: "unix:///tmp/s/busi.Busi/TransIn", errHas: []string{`scheme "unix" is gRPC's own`}},
		{uri: "nosuch://user:" + dtmdrivertest.Secret + "@h:1/s/busi.Busi/TransIn", errHas: []string{`scheme "nosuch"`}},
	}
	d := newDriver(registered)
	tab, err := d.table()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		got, err := tab.route(tt.uri)
		switch {
		case tt.driver != "" && err != nil:
			t.Errorf("route(%q): %v; want driver %s", tt.uri, err, tt.driver)
		case tt.driver != "" && got.GetName() != tt.driver:
			t.Errorf("route(%q) = %s, want %s", tt.uri, got.GetName(), tt.driver)
		case tt.driver == "" && err == nil:
			t.Errorf("route(%q) = %s, want an error", tt.uri, got.GetName())
		case tt.driver == "":
			if !errors.Is(err, dtmdriver.ErrBadURI) {
				t.Errorf("route(%q) error %q does not wrap ErrBadURI", tt.uri, err)
			}
			if strings.Contains(err.Error(), dtmdrivertest.Secret) {
				t.Errorf("route(%q) error quotes the credential: %q", tt.uri, err)
			}
			for _, want := range tt.errHas {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("route(%q) error %q: want it to contain %q", tt.uri, err, want)
				}
			}
		}
	}
}

// claimer is a driver that claims schemes and does nothing else: it stands for
// a second driver of a scheme another one owns.
type claimer struct {
	name    string
	schemes []string
}

func (c claimer) GetName() string                                { return c.name }
func (claimer) RegisterGrpcResolver()                            {}
func (claimer) RegisterGrpcService(string, string) error         { return nil }
func (claimer) ParseServerMethod(string) (string, string, error) { return "", "", errors.New("unused") }
func (c claimer) Describe() dtmdriver.Description {
	return dtmdriver.Description{Schemes: c.schemes, BranchForms: []string{"x"}, TargetForm: "x"}
}

func TestSchemeClaimedTwiceIsRefused(t *testing.T) {
	def := lookup(t, dtmdriver.DefaultName)
	consul := lookup(t, "dtm-driver-consul")
	tests := []struct {
		name    string
		drivers []dtmdriver.Driver
		errHas  []string
	}{
		{"same scheme", []dtmdriver.Driver{def, consul, claimer{"dtm-driver-other", []string{"consul"}}},
			[]string{`"consul"`, "dtm-driver-consul", "dtm-driver-other"}},
		{"case differs", []dtmdriver.Driver{def, consul, claimer{"dtm-driver-upper", []string{"k8s", "CONSUL"}}},
			[]string{`"consul"`, "dtm-driver-consul", "dtm-driver-upper"}},
		{"no default driver", []dtmdriver.Driver{consul}, []string{`"default"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDriver(func() []dtmdriver.Driver { return tt.drivers })
			_, err := d.table()
			if err == nil {
				t.Fatal("table built; want an error")
			}
			for _, want := range tt.errHas {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q: want it to contain %q", err, want)
				}
			}
			// Every routing call returns the same error.
			if _, _, perr := d.ParseServerMethod("127.0.0.1:1/a.B/C"); perr == nil || perr.Error() != err.Error() {
				t.Errorf("ParseServerMethod error %v, want %v", perr, err)
			}
			if rerr := d.RegisterGrpcService("consul://127.0.0.1:1/dtm", "127.0.0.1:36790"); rerr == nil || rerr.Error() != err.Error() {
				t.Errorf("RegisterGrpcService error %v, want %v", rerr, err)
			}
			if _, _, herr := d.ResolveHTTP(context.Background(), "http://a:1/x"); herr == nil {
				t.Error("ResolveHTTP returned no error")
			}
			if desc := d.Describe(); len(desc.Schemes) != 0 {
				t.Errorf("Describe().Schemes = %q, want none", desc.Schemes)
			}
		})
	}
}

func TestDriversWithoutDescribeAreNotRouted(t *testing.T) {
	plain := dtmdriver.Driver(noDescribe{})
	d := newDriver(func() []dtmdriver.Driver {
		return []dtmdriver.Driver{lookup(t, dtmdriver.DefaultName), plain, lookup(t, "dtm-driver-protocol1")}
	})
	_, _, err := d.ParseServerMethod("plain://h:1/a.B/C")
	if err == nil || !strings.Contains(err.Error(), "(dtm-driver-protocol1: protocol1)") {
		t.Errorf("error %v: want it to list the routed drivers only", err)
	}
}

type noDescribe struct{}

func (noDescribe) GetName() string                          { return "dtm-driver-plain" }
func (noDescribe) RegisterGrpcResolver()                    {}
func (noDescribe) RegisterGrpcService(string, string) error { return nil }
func (noDescribe) ParseServerMethod(string) (string, string, error) {
	return "", "", errors.New("unused")
}

// The composite adds no allocation to a driver's split: routing is a scheme scan
// and a few comparisons.
func TestParseServerMethodAllocatesAsTheDriver(t *testing.T) {
	for _, uri := range []string{
		"protocol1://127.0.0.1:8081,127.0.0.1:8082/busi.Busi/TransIn",
		"consul://127.0.0.1:8500/busi/busi.Busi/TransIn",
		"127.0.0.1:8081/busi.Busi/TransIn",
	} {
		tab, err := std.table()
		if err != nil {
			t.Fatal(err)
		}
		direct, err := tab.route(uri)
		if err != nil {
			t.Fatal(err)
		}
		routing := testing.AllocsPerRun(100, func() { _, _ = tab.route(uri) })
		viaComposite := testing.AllocsPerRun(100, func() { _, _, _ = std.ParseServerMethod(uri) })
		viaDriver := testing.AllocsPerRun(100, func() { _, _, _ = direct.ParseServerMethod(uri) })
		if routing != 0 || viaComposite != viaDriver {
			t.Errorf("%s: routing allocates %v, the composite %v, the driver alone %v; want 0 and the same",
				uri, routing, viaComposite, viaDriver)
		}
	}
}

func TestSplitTargets(t *testing.T) {
	tests := []struct{ in, want string }{
		{"etcd://h:2379/dtm", "etcd://h:2379/dtm"},
		{"etcd://h:2379/dtm consul://h:8500/dtm", "etcd://h:2379/dtm|consul://h:8500/dtm"},
		{"etcd://h:2379/dtm;consul://h:8500/dtm", "etcd://h:2379/dtm|consul://h:8500/dtm"},
		{" etcd://h:2379/dtm ;\n consul://h:8500/dtm ;; polaris://dtm ", "etcd://h:2379/dtm|consul://h:8500/dtm|polaris://dtm"},
		{" ; ", ""},
	}
	for _, tt := range tests {
		if got := strings.Join(splitTargets(tt.in), "|"); got != tt.want {
			t.Errorf("splitTargets(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
