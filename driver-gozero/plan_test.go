package gozero_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	gozero "github.com/dtmdrivers/drivers/driver-gozero"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
)

// TestPlanRegistration: the plan reads a target as registration does, with
// the same refusals (including those registration makes after parsing: a
// user without a password, TLS files not given together), and shows no
// credential.
func TestPlanRegistration(t *testing.T) {
	d, _ := dtmdriver.Lookup(gozero.DriverName)
	s := dtmdrivertest.Secret
	for _, tc := range []struct {
		target      string
		hosts       []string
		key, client string
		id          string
		credentials []string
		refused     string // a part of the error; "" when accepted
	}{
		{target: "etcd://127.0.0.1:2379/dtmservice", hosts: []string{"127.0.0.1:2379"}, key: "dtmservice",
			client: "etcd://127.0.0.1:2379/dtmservice", credentials: []string{}},
		{target: "etcd://u:" + s + "@h1:2379,h2:2379/trans.rpc?id=7", hosts: []string{"h1:2379", "h2:2379"}, key: "trans.rpc",
			client: "etcd://h1:2379,h2:2379/trans.rpc", id: "7", credentials: []string{"user", "password"}},
		{target: "discov:///h1:2379?key=dtm&user=u&password=" + s + "&certFile=c&certKeyFile=k&caCertFile=a", hosts: []string{"h1:2379"},
			key: "dtm", client: "etcd://h1:2379/dtm", credentials: []string{"user", "password", "tls"}},
		{target: "etcd://h:2379/dtm?user=u", refused: "without a password"},
		{target: "etcd://h:2379/dtm?password=" + s, refused: "password without a user"},
		{target: "etcd://h:2379/dtm?certFile=c", refused: "all of the client certificate"},
		{target: "etcd://h:2379/dtm?insecureSkipVerify=true", refused: "without TLS files"},
		{target: "etcd://h:2379/dtm?id=0", refused: "id is not a positive integer"},
		{target: "etcd:///h:2379/dtm", refused: "put the key in ?key="},
	} {
		t.Run(dtmdriver.Redact(tc.target), func(t *testing.T) {
			regs, ok, err := dtmdriver.Plan(d, tc.target)
			if !ok {
				t.Fatal("the driver does not implement dtmdriver.Planner")
			}
			if tc.refused != "" {
				if err == nil || !errors.Is(err, dtmdriver.ErrBadURI) || !strings.Contains(err.Error(), tc.refused) {
					t.Fatalf("Plan(%q) = %v, %v; want an ErrBadURI saying %q", tc.target, regs, err, tc.refused)
				}
				if strings.Contains(err.Error(), s) {
					t.Errorf("the error quotes the credential: %v", err)
				}
				return
			}
			if err != nil || len(regs) != 1 {
				t.Fatalf("Plan(%q) = %v, %v; want one registration", tc.target, regs, err)
			}
			r := regs[0]
			if r.Driver != gozero.DriverName || r.Registry != "etcd" || !slices.Equal(r.Servers, tc.hosts) || r.Service != tc.key ||
				r.ClientURI != tc.client || r.Options["id"] != tc.id || r.HTTPService != "" || !slices.Equal(r.Credentials.Names(), tc.credentials) {
				t.Errorf("Plan(%q) = %+v; want hosts %q, key %q, client %q, id %q, credentials %q",
					tc.target, r, tc.hosts, tc.key, tc.client, tc.id, tc.credentials)
			}
			b, _ := json.Marshal(r)
			if shown := fmt.Sprintf("%v %+v %#v", r, r, r) + string(b); strings.Contains(shown, s) {
				t.Errorf("the plan shows the credential: %s", shown)
			}
		})
	}
}
