package cli

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
)

var planDrivers = []string{"dtm-driver-gozero", "dtm-driver-consul", "dtm-driver-polaris", "dtm-driver-protocol1", "default", "dtm-driver-multi"}

// FuzzPlanTarget: reading a registration target never panics; a plan or an
// error, never both empty-handed; an error wraps dtmdriver.ErrBadURI (or
// names the endpoint); and neither the error nor the plan's JSON holds the
// credential planted in the target.
func FuzzPlanTarget(f *testing.F) {
	s := dtmdrivertest.Secret
	for _, seed := range []struct {
		driver         uint8
		target, endpnt string
	}{
		{0, "etcd://127.0.0.1:2379/dtmservice", "10.0.0.5:36790"},
		{0, "etcd://u:" + s + "@h1:2379,h2:2379/dtmservice?id=7", "10.0.0.5:36790"},
		{0, "etcd:///h1:2379,h2:2379?key=dtm&user=u&password=" + s, "10.0.0.5:36790"},
		{0, "etcd://h:2379/k?password=" + s + "&x=1", "10.0.0.5:36790"},
		{0, "etcd://u:" + s + "#@h:2379/k", "10.0.0.5:36790"},
		{0, "discov://h:1/k?certFile=a&certKeyFile=b&caCertFile=c&insecureSkipVerify=true", "h:1"},
		{1, "consul://127.0.0.1:8500/dtmservice?tags=a,b&token=" + s, "10.0.0.5:36790"},
		{1, "consul:///dtmservice?token=" + s + "&check=grpc&interval=5s", "10.0.0.5:36790"},
		{1, "consul://u:" + s + "@h:8500/dtm", "10.0.0.5:36790"},
		{1, "consul://h:8500/dtm?tok%65n=" + s + "&bad", "10.0.0.5:36790"},
		{2, "polaris://127.0.0.1:8091/dtmservice?namespace=prod&token=" + s + "&ttl=5&metadata.env=blue", "10.0.0.5:36790"},
		{2, "polaris://h:8091/dtm?token=" + s + "&metadata.=x", "10.0.0.5:36790"},
		{3, "protocol1://127.0.0.1:36790,127.0.0.1:36791", "127.0.0.1:36790"},
		{3, "protocol1://u:" + s + "@h:1", "127.0.0.1:36790"},
		{4, "", ""},
		{0, "etcd://h:2379/k", "grpc://" + s + ":1"},
		{5, "etcd://u:" + s + "@h:2379/k; consul://h:8500/d?token=" + s + " polaris://h:8091/d?token=" + s, "10.0.0.5:36790"},
		{5, "zk://u:" + s + "@h:1/k", "10.0.0.5:36790"},
	} {
		f.Add(seed.driver, seed.target, seed.endpnt)
	}
	f.Fuzz(func(t *testing.T, driver uint8, target, endpoint string) {
		name := planDrivers[int(driver)%len(planDrivers)]
		plans, err := planRegistrations(name, target, endpoint)
		if err != nil && !errors.Is(err, dtmdriver.ErrBadURI) {
			t.Fatalf("planRegistrations(%s, %q, %q) error %v does not wrap ErrBadURI", name, target, endpoint, err)
		}
		if len(plans) == 0 {
			t.Fatalf("planRegistrations(%s, %q) returned no plan", name, target)
		}
		for _, p := range plans {
			if err == nil && p.Registry != "none" && (p.Service == "" || p.ClientURI == "") {
				t.Fatalf("planRegistrations(%s, %q) = %+v: a registry without a service or client URI", name, target, p)
			}
		}
		if !strings.Contains(target+endpoint, s) {
			return
		}
		b, jerr := json.Marshal(plans)
		if jerr != nil {
			t.Fatal(jerr)
		}
		// The secret may stand in a place the plan shows by design (a
		// service name, a host): only credential positions count.
		if dtmdriver.IsHostPort(endpoint) && strings.Contains(endpoint, s) {
			return // an endpoint is shown when it is host:port
		}
		if err != nil && strings.Contains(err.Error(), s) && !shownByDesign(target, s) {
			t.Errorf("planRegistrations(%s, %q, %q) error quotes the credential: %v", name, target, endpoint, err)
		}
		if strings.Contains(string(b), s) && !shownByDesign(target, s) {
			t.Errorf("planRegistrations(%s, %q, %q) plan shows the credential: %s", name, target, endpoint, b)
		}
	})
}

// shownByDesign reports whether secret stands in target only outside the
// places a credential goes (userinfo, a parameter named like a credential),
// where a redactor rightly shows it: dtmdriver.Redact(target) still holds it.
func shownByDesign(target, secret string) bool {
	return strings.Contains(dtmdriver.Redact(target), secret)
}
