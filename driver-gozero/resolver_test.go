package gozero_test

import (
	"testing"
	"time"

	gozero "github.com/dtmdrivers/drivers/driver-gozero"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
)

const healthCheck = "/grpc.health.v1.Health/Check"

func theDriver(t testing.TB) dtmdriver.Driver {
	t.Helper()
	d, ok := dtmdriver.Lookup(gozero.DriverName)
	if !ok {
		t.Fatalf("%s is not registered", gozero.DriverName)
	}
	return d
}

// TestResolveEveryForm dials every URI form for real through go-zero's resolvers:
// both etcd forms, several hosts, keys holding '/', discov, direct.
func TestResolveEveryForm(t *testing.T) {
	e := needEtcd(t)
	d := theDriver(t)
	const name = "forms"
	addr := dtmdrivertest.StartHealthServer(t, name)
	e.Publish(t, "forms.rpc", addr)
	e.Publish(t, "forms/nested/svc", addr)

	ep := e.Endpoint()
	// The same etcd under two names makes a list of two live hosts.
	two := ep + ",localhost:" + ep[len("127.0.0.1:"):]
	for _, server := range []string{
		"etcd://" + ep + "/forms.rpc",
		"etcd://" + two + "/forms.rpc",
		"etcd://" + ep + "/forms/nested/svc",
		"etcd:///" + ep + "?key=forms.rpc",
		"etcd:///" + two + "?key=forms/nested/svc",
		"discov://" + ep + "/forms.rpc",
		"direct:///" + addr,
		"direct:///" + addr + "," + addr,
		addr,
	} {
		t.Run(server, func(t *testing.T) {
			if err := dtmdrivertest.CallHealth(t.Context(), d, server+healthCheck, name, 20*time.Second); err != nil {
				t.Fatal(err)
			}
		})
	}
	// The forms with the query at the end and an escaped key.
	for _, uri := range []string{
		"etcd:///" + two + healthCheck + "?key=forms.rpc",
		"etcd:///" + ep + healthCheck + "?key=forms%2Fnested%2Fsvc",
		"discov:///" + ep + healthCheck + "?key=forms.rpc",
	} {
		t.Run(uri, func(t *testing.T) {
			if err := dtmdrivertest.CallHealth(t.Context(), d, uri, name, 20*time.Second); err != nil {
				t.Fatal(err)
			}
		})
	}
}
