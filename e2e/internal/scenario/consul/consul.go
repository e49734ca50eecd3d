// Package consul is driver-consul's row: a Consul agent in -dev mode, dtm
// registered in it by the driver, business servers registered with a TTL
// health check as go-zero's zero-contrib consul registry registers zrpc
// servers.
package consul

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	driver "github.com/dtmdrivers/drivers/driver-consul"
	"github.com/dtmdrivers/drivers/e2e/internal/scenario"
	"github.com/dtmdrivers/drivers/testenv/consultest"
	"github.com/hashicorp/consul/api"
	"google.golang.org/grpc"
)

const (
	dtmService = scenario.DTMService
	// ttl is the TTL of the business instances' check, zero-contrib's default;
	// the check is passed every ttl/2 for the life of the process.
	ttl = 20 * time.Second
	// wait is the blocking query wait in branch URIs, go-zero's form.
	wait = "14s"
)

// New returns the row.
func New() *scenario.Scenario {
	return row("consul", "Consul's health API with blocking queries; services register with a health check",
		func() ([]string, func(), string, error) {
			a, stop, err := consultest.StartMain()
			if err != nil {
				return nil, nil, "", err
			}
			return []string{a.Addr()}, stop, "Consul agent v1.16.6 (-dev) at " + a.Addr(), nil
		}, nil)
}

// NewCluster returns the row in Consul's production shape: three server
// agents and two client agents, each on a loopback address of its own. Each
// dtm registers with a client agent (the first dtm with the first, the next
// with the next), services register with the first and clients resolve
// through it. Disrupt kills the leader server.
func NewCluster() *scenario.Scenario {
	var cluster *consultest.Cluster
	return row("consul-cluster", "Consul with three servers and a client agent per dtm; the leader is killed while sagas run",
		func() ([]string, func(), string, error) {
			c, stop, err := consultest.StartClusterMain(3, 2)
			if err != nil {
				return nil, nil, "", err
			}
			cluster = c
			var addrs []string
			for _, a := range c.Clients {
				addrs = append(addrs, a.Addr())
			}
			return addrs, stop, fmt.Sprintf("Consul v1.16.6, servers %s, %s, %s; client agents %s",
				c.Servers[0].Addr(), c.Servers[1].Addr(), c.Servers[2].Addr(), strings.Join(addrs, ", ")), nil
		},
		func() (string, error) {
			leader, err := cluster.Leader()
			if err != nil {
				return "", err
			}
			leader.Kill()
			return "killed the leader, " + leader.Node(), nil
		})
}

// row builds a Consul row on the agents start returns: services and clients
// use the first; dtm registrations take them in turn.
func row(name, about string, start func() (agents []string, stop func(), about string, err error),
	disrupt func() (string, error)) *scenario.Scenario {
	var (
		agents []string
		client *api.Client
		turn   atomic.Int64
	)
	agent := func() string { return agents[0] }
	lookup := func(ctx context.Context, service string) ([]string, error) {
		if client == nil {
			return nil, errors.New("consul is not running")
		}
		entries, _, err := client.Health().Service(service, "", true, (&api.QueryOptions{}).WithContext(ctx))
		if err != nil {
			return nil, err
		}
		var addrs []string
		for _, e := range entries {
			host := e.Service.Address
			if host == "" {
				host = e.Node.Address
			}
			addrs = append(addrs, net.JoinHostPort(host, strconv.Itoa(e.Service.Port)))
		}
		slices.Sort(addrs)
		return addrs, nil
	}
	return &scenario.Scenario{
		Name:   name,
		Tag:    "consul",
		Driver: driver.DriverName,
		About:  about,
		StartRegistry: func() (func(), string, error) {
			a, stop, what, err := start()
			if err != nil {
				return nil, "", err
			}
			c, err := api.NewClient(&api.Config{Address: a[0]})
			if err != nil {
				stop()
				return nil, "", err
			}
			agents, client = a, c
			return stop, what, nil
		},
		Registration: func(grpcAddr string) (string, string) {
			a := agents[int(turn.Add(1)-1)%len(agents)]
			return "consul://" + a + "/" + dtmService, grpcAddr
		},
		FindDTM:   scenario.FindByPath(lookup),
		Lookup:    lookup,
		DTMServer: func(string) string { return "consul://" + agent() + "/" + dtmService },
		Serve: func(service string, register func(*grpc.Server)) (string, func(), error) {
			publish := func(addr string) error { return registerLikeZeroContrib(client, service, addr) }
			return scenario.ServeListed(service, register, publish, lookup, 20*time.Millisecond)
		},
		// go-zero's documented form: the query before the method.
		BranchURI: func(service, method string) string {
			return "consul://" + agent() + "/" + service + "?wait=" + wait + method
		},
		Disrupt: disrupt,
	}
}

// registerLikeZeroContrib registers addr as an instance of service the way
// go-zero's zero-contrib consul registry registers a zrpc server: the ID
// "<service>-<host>-<port>", the key as the name, a TTL check with the ID as
// its check ID, passing at first and deregistered after three TTLs critical,
// and a heartbeat that passes the check every half TTL.
func registerLikeZeroContrib(c *api.Client, service, addr string) error {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return err
	}
	id := fmt.Sprintf("%s-%s-%d", service, host, port)
	reg := &api.AgentServiceRegistration{
		ID: id, Name: service, Address: host, Port: port,
		Tags: []string{"rpc"}, Meta: map[string]string{"Protocol": "grpc"},
		Checks: api.AgentServiceChecks{{
			CheckID:                        id,
			TTL:                            ttl.String(),
			Status:                         api.HealthPassing,
			DeregisterCriticalServiceAfter: (3 * ttl).String(),
		}},
	}
	if err := c.Agent().ServiceRegister(reg); err != nil {
		return fmt.Errorf("registering %s as %s in Consul: %w", addr, service, err)
	}
	go func() {
		tick := time.NewTicker(ttl / 2)
		defer tick.Stop()
		for range tick.C {
			_ = c.Agent().UpdateTTL(id, "", api.HealthPassing)
		}
	}()
	return nil
}
