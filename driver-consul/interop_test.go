package consul

import (
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/consultest"
	"github.com/hashicorp/consul/api"
)

// TestInteropZeroContrib resolves an instance registered the way go-zero's
// zero-contrib consul registry (zrpc/registry/consul, RegisterService)
// registers one: ID "<key>-<host>-<port>", the key as the name, the configured
// tags and meta (dtm's old gozero driver used tags "tag","rpc" and meta
// Protocol=grpc), and a TTL check, passing at first, with the instance's ID as
// the check ID and deregister-after-critical at three TTLs; then the same check
// registered again by ID, as that registry does. The URIs are go-zero's
// documented form, with the query before the method.
func TestInteropZeroContrib(t *testing.T) {
	a := consultest.Start(t)
	c := newAPI(t, a, "")
	const key = "add.rpc"
	addr := dtmdrivertest.StartHealthServer(t, key)
	host, port := dtmdrivertest.HostPort(t, addr)
	id := fmt.Sprintf("%s-%s-%d", key, host, port)
	check := api.AgentServiceCheck{TTL: "20s", Status: "passing", DeregisterCriticalServiceAfter: "60s"}
	withID := check
	withID.CheckID = id
	reg := &api.AgentServiceRegistration{
		ID: id, Name: key, Tags: []string{"tag", "rpc"}, Meta: map[string]string{"Protocol": "grpc"},
		Port: port, Address: host, Checks: api.AgentServiceChecks{&withID},
	}
	if err := c.Agent().ServiceRegister(reg); err != nil {
		t.Fatal(err)
	}
	if err := c.Agent().CheckRegister(&api.AgentCheckRegistration{ID: id, Name: key, ServiceID: id, AgentServiceCheck: check}); err != nil {
		t.Fatal(err)
	}
	if err := dtmdriver.Use(DriverName); err != nil {
		t.Fatal(err)
	}
	for _, uri := range []string{
		"consul://" + a.Addr() + "/" + key + "?wait=14s/grpc.health.v1.Health/Check",
		"consul://" + a.Addr() + "/" + key + "?wait=14s&tag=rpc/grpc.health.v1.Health/Check",
		"consul://" + a.Addr() + "/" + key + "/grpc.health.v1.Health/Check?healthy=true",
	} {
		if err := dtmdrivertest.CallHealth(t.Context(), std, uri, key, 10*time.Second); err != nil {
			t.Error(err)
		}
	}
}

// TestInteropKratos resolves an instance registered the way kratos' consul
// registry (contrib/registry/consul/v2, Client.Register) registers one: a
// "version=<v>" tag, the instance's metadata as meta, every endpoint as a
// tagged address under its scheme ("grpc" -> "grpc://host:port"), the first
// endpoint as the service address and port (here the HTTP one, so the gRPC
// address is only in the tagged address), a TCP check per endpoint, and a TTL
// heartbeat "service:<id>" that starts critical until the first pass.
func TestInteropKratos(t *testing.T) {
	a := consultest.Start(t)
	c := newAPI(t, a, "")
	const name = "helloworld"
	grpcAddr := dtmdrivertest.StartHealthServer(t, name)
	httpAddr := listen(t).Addr().String()
	id := uniq("kratos-instance")
	endpoints := []string{"http://" + httpAddr, "grpc://" + grpcAddr + "?isSecure=false"}
	reg := &api.AgentServiceRegistration{
		ID: id, Name: name, Meta: map[string]string{"app": "helloworld"},
		Tags:            []string{"version=v1.0.0"},
		TaggedAddresses: map[string]api.ServiceAddress{},
	}
	for i, ep := range endpoints {
		scheme, hp := ep[:4], ep[7:]
		if i := len(hp) - len("?isSecure=false"); scheme == "grpc" {
			hp = hp[:i]
		}
		host, port := dtmdrivertest.HostPort(t, hp)
		reg.TaggedAddresses[scheme] = api.ServiceAddress{Address: ep, Port: port}
		if i == 0 {
			reg.Address, reg.Port = host, port
		}
		reg.Checks = append(reg.Checks, &api.AgentServiceCheck{
			TCP: net.JoinHostPort(host, strconv.Itoa(port)), Interval: "1s", Timeout: "5s",
			DeregisterCriticalServiceAfter: "600s",
		})
	}
	reg.Checks = append(reg.Checks, &api.AgentServiceCheck{CheckID: "service:" + id, TTL: "2s", DeregisterCriticalServiceAfter: "600s"})
	if err := c.Agent().ServiceRegister(reg); err != nil {
		t.Fatal(err)
	}
	if err := c.Agent().UpdateTTL("service:"+id, "pass", "pass"); err != nil {
		t.Fatal(err)
	}
	if err := dtmdriver.Use(DriverName); err != nil {
		t.Fatal(err)
	}
	uri := "consul://" + a.Addr() + "/" + name + "?tag=version%3Dv1.0.0/grpc.health.v1.Health/Check"
	// Kratos' TCP checks run for the first time within their interval, and the
	// heartbeat keeps the TTL check passing meanwhile.
	done := make(chan struct{})
	defer close(done)
	go func() {
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				_ = c.Agent().UpdateTTL("service:"+id, "pass", "pass")
			}
		}
	}()
	if err := dtmdrivertest.CallHealth(t.Context(), std, uri, name, 15*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestEntryAddress(t *testing.T) {
	tests := []struct {
		e    api.ServiceEntry
		want string
	}{
		{api.ServiceEntry{Service: &api.AgentService{Address: "10.0.0.1", Port: 80}}, "10.0.0.1:80"},
		{api.ServiceEntry{Node: &api.Node{Address: "10.0.0.2"}, Service: &api.AgentService{Port: 81}}, "10.0.0.2:81"},
		{api.ServiceEntry{Service: &api.AgentService{Address: "::1", Port: 82}}, "[::1]:82"},
		{api.ServiceEntry{Service: &api.AgentService{Address: "10.0.0.1", Port: 80,
			TaggedAddresses: map[string]api.ServiceAddress{"grpc": {Address: "grpc://10.0.0.3:9000?isSecure=false", Port: 9000}}}}, "10.0.0.3:9000"},
		{api.ServiceEntry{Service: &api.AgentService{Address: "10.0.0.1", Port: 80,
			TaggedAddresses: map[string]api.ServiceAddress{"grpc": {Address: "10.0.0.4", Port: 9001}}}}, "10.0.0.4:9001"},
		{api.ServiceEntry{Service: &api.AgentService{Address: "10.0.0.1", Port: 80,
			TaggedAddresses: map[string]api.ServiceAddress{"lan_ipv4": {Address: "10.0.0.5", Port: 1}}}}, "10.0.0.1:80"},
		{api.ServiceEntry{Service: &api.AgentService{Address: "10.0.0.1"}}, ""},
		{api.ServiceEntry{}, ""},
	}
	for _, tt := range tests {
		if got := entryAddress(&tt.e); got != tt.want {
			t.Errorf("entryAddress(%+v) = %q, want %q", tt.e.Service, got, tt.want)
		}
	}
}
