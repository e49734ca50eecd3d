// Package consul is driver-consul's row: a Consul agent in -dev mode, dtm
// registered in it by the driver, business servers registered with a TTL
// health check as go-zero's zero-contrib consul registry registers zrpc
// servers.
package consul

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	driver "github.com/dtmdrivers/drivers/driver-consul"
	"github.com/dtmdrivers/drivers/e2e/internal/scenario"
	"github.com/dtmdrivers/drivers/testenv/consultest"
	"google.golang.org/grpc"
)

const (
	dtmService = scenario.DTMService
	// wait is the blocking query wait in branch URIs, go-zero's form.
	wait = "14s"
)

// New returns the row.
func New() *scenario.Scenario {
	return row("consul", "Consul's health API with blocking queries; services register with a health check",
		func() ([]*consultest.Agent, func(), string, error) {
			a, stop, err := consultest.StartMain()
			if err != nil {
				return nil, nil, "", err
			}
			return []*consultest.Agent{a}, stop, "Consul agent v1.16.6 (-dev) at " + a.Addr(), nil
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
		func() ([]*consultest.Agent, func(), string, error) {
			c, stop, err := consultest.StartClusterMain(3, 2)
			if err != nil {
				return nil, nil, "", err
			}
			cluster = c
			var addrs []string
			for _, a := range c.Clients {
				addrs = append(addrs, a.Addr())
			}
			return c.Clients, stop, fmt.Sprintf("Consul v1.16.6, servers %s, %s, %s; client agents %s",
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
// use the first; dtm registrations take them in turn. Services register as
// go-zero's zero-contrib consul registry registers zrpc servers (the kit's
// Register), and lookups read the health API's passing view (the kit's List).
func row(name, about string, start func() (agents []*consultest.Agent, stop func(), about string, err error),
	disrupt func() (string, error)) *scenario.Scenario {
	var (
		agents []*consultest.Agent
		turn   atomic.Int64
	)
	agent := func() *consultest.Agent { return agents[0] }
	lookup := func(ctx context.Context, service string) ([]string, error) {
		if len(agents) == 0 {
			return nil, errors.New("consul is not running")
		}
		return agent().List(ctx, service)
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
			agents = a
			return stop, what, nil
		},
		Registration: func(grpcAddr string) (string, string) {
			a := agents[int(turn.Add(1)-1)%len(agents)]
			return "consul://" + a.Addr() + "/" + dtmService, grpcAddr
		},
		FindDTM:   scenario.FindByPath(lookup),
		Lookup:    lookup,
		DTMServer: func(string) string { return "consul://" + agent().Addr() + "/" + dtmService },
		Serve: func(service string, register func(*grpc.Server)) (string, func(), error) {
			// The registration outlives the server, as after a crash.
			publish := func(addr string) error { _, err := agent().Register(service, addr); return err }
			return scenario.ServeListed(service, register, publish, lookup, 20*time.Millisecond)
		},
		// go-zero's documented form: the query before the method.
		BranchURI: func(service, method string) string {
			return "consul://" + agent().Addr() + "/" + service + "?wait=" + wait + method
		},
		Disrupt: disrupt,
		// HTTP services register as Spring Cloud Consul registers an
		// application: an agent service with an HTTP check.
		HTTP: &scenario.HTTPRow{
			Serve: func(service string, h http.Handler) (string, func(), error) {
				publish := func(addr string) error {
					_, err := agent().RegisterHTTP(service, addr, scenario.HealthPath, false)
					return err
				}
				return scenario.ServeHTTPListed(service, h, publish, lookup, 20*time.Millisecond)
			},
			URL: func(service, path string) string { return "consul://" + agent().Addr() + "/" + service + path },
			DTM: func(string) string {
				return "consul://" + agent().Addr() + "/" + dtmService + "-http/api/dtmsvr"
			},
			DTMService: dtmService + "-http",
		},
	}
}
