package consultest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// roleKind says how an agent runs.
type roleKind int

const (
	dev    roleKind = iota // one agent, server and client, in memory (Start)
	server                 // a server agent of a cluster
	client                 // a client agent of a cluster
)

// role is an agent's place: its kind, its loopback address and node name in
// a cluster, the servers it expects (servers) and the serf addresses it joins.
type role struct {
	kind   roleKind
	addr   string // 127.0.0.x; "" means 127.0.0.1
	name   string // node name; "" means NodeName
	expect int
	join   []string
}

func (a *Agent) ip() string {
	if a.role.addr == "" {
		return "127.0.0.1"
	}
	return a.role.addr
}

func (a *Agent) node() string {
	if a.role.name == "" {
		return NodeName
	}
	return a.role.name
}

// Node returns the agent's node name in the catalog.
func (a *Agent) Node() string { return a.node() }

// Cluster is Consul in its production shape: server agents that elect a
// leader and keep the catalog, and client agents that services and dtm
// register with, each agent on a loopback address of its own (servers from
// 127.0.0.11, clients from 127.0.0.21), with Raft timed as in -dev mode.
type Cluster struct {
	Servers []*Agent
	Clients []*Agent
}

// Leader returns the server agent that leads the cluster now.
func (c *Cluster) Leader() (*Agent, error) {
	for _, a := range append(append([]*Agent{}, c.Clients...), c.Servers...) {
		var leader string
		if err := a.getJSON("/v1/status/leader", &leader); err != nil || leader == "" {
			continue
		}
		for _, s := range c.Servers {
			if leader == net.JoinHostPort(s.ip(), strconv.Itoa(s.ports.server)) {
				return s, nil
			}
		}
		return nil, fmt.Errorf("consultest: leader %s is none of the cluster's servers", leader)
	}
	return nil, errors.New("consultest: no agent knows a leader")
}

// Stop stops every agent.
func (c *Cluster) Stop() {
	var wg sync.WaitGroup
	for _, a := range append(append([]*Agent{}, c.Clients...), c.Servers...) {
		wg.Go(func() {
			a.Stop()
			a.client.CloseIdleConnections()
		})
	}
	wg.Wait()
}

// StartClusterMain starts servers server agents and clients client agents,
// each in a temporary directory of its own, and waits until every agent knows
// the leader and finds its own node in the catalog. stop ends them and
// removes the directories. A missing binary is an error.
func StartClusterMain(servers, clients int, opts ...Option) (c *Cluster, stop func(), err error) {
	cfg := config{startTimeout: defaultStartTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	bin, err := mainBinary()
	if err != nil {
		return nil, nil, err
	}
	root, err := os.MkdirTemp("", "consultest-cluster-")
	if err != nil {
		return nil, nil, fmt.Errorf("consultest: %w", err)
	}
	c = &Cluster{}
	stop = func() {
		c.Stop()
		_ = os.RemoveAll(root)
	}
	newAgent := func(r role) (*Agent, error) {
		dir := filepath.Join(root, r.name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		a := &Agent{bin: bin, dir: dir, logPath: filepath.Join(dir, "consul.log"), cfg: cfg,
			client: &http.Client{Timeout: 2 * time.Second}, role: r}
		if a.ports, err = freePortsOn(a.ip()); err != nil {
			return nil, err
		}
		return a, a.writeConfig()
	}
	var join []string
	for i := range servers {
		a, err := newAgent(role{kind: server, addr: "127.0.0." + strconv.Itoa(11+i), name: "server" + strconv.Itoa(i+1), expect: servers})
		if err != nil {
			stop()
			return nil, nil, fmt.Errorf("consultest: %w", err)
		}
		c.Servers = append(c.Servers, a)
		join = append(join, net.JoinHostPort(a.ip(), strconv.Itoa(a.ports.serfLAN)))
	}
	for _, a := range c.Servers {
		a.role.join = join
	}
	for i := range clients {
		a, err := newAgent(role{kind: client, addr: "127.0.0." + strconv.Itoa(21+i), name: "client" + strconv.Itoa(i+1), join: join})
		if err != nil {
			stop()
			return nil, nil, fmt.Errorf("consultest: %w", err)
		}
		c.Clients = append(c.Clients, a)
	}
	// Every agent runs before any is waited for: servers elect a leader only
	// once the expected number has joined.
	all := append(append([]*Agent{}, c.Servers...), c.Clients...)
	exits := make([]chan struct{}, len(all))
	for i, a := range all {
		a.mu.Lock()
		_, exits[i], err = a.launchLocked()
		a.mu.Unlock()
		if err != nil {
			stop()
			return nil, nil, fmt.Errorf("consultest: starting %s: %w", a.node(), err)
		}
	}
	deadline := time.Now().Add(cfg.startTimeout)
	for i, a := range all {
		if err := a.waitReady(deadline, exits[i]); err != nil {
			stop()
			return nil, nil, fmt.Errorf("consultest: %s: %w", a.node(), err)
		}
	}
	return c, stop, nil
}

// Kill ends the agent process with SIGKILL, as a crash would, and waits for
// it. [Agent.Restart] starts it again on the same ports and data.
func (a *Agent) Kill() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cmd == nil {
		return
	}
	_ = a.cmd.Process.Kill()
	<-a.exited
	a.cmd, a.exited = nil, nil
}
