package etcdtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

const (
	defaultStartTimeout = 30 * time.Second
	// startAttempts bounds how often a start picks new ports when another process
	// took one of them between the pick and etcd's bind.
	startAttempts = 3
	// requestTimeout bounds the helpers' own requests (auth set-up, readiness).
	requestTimeout = 10 * time.Second
)

// RootPassword is the password of the "root" user that [Etcd.EnableAuth]
// creates. [Etcd.Client] and [Cluster.Client] use it once auth is on.
const RootPassword = "etcdtest-root"

// Option configures [Start], [StartMain] and [StartCluster].
type Option func(*config)

type config struct {
	startTimeout time.Duration
	tickMs       uint
	electionMs   uint
}

// WithStartTimeout sets how long a start or restart waits for etcd to be ready.
// The default is 30 seconds.
func WithStartTimeout(d time.Duration) Option {
	return func(c *config) { c.startTimeout = d }
}

// WithRaftTiming sets the raft heartbeat interval and election timeout in
// milliseconds. A single member defaults to 20 and 200, which keeps
// [Etcd.Stop] near its floor (etcd waits 5 s plus two election timeouts for
// open streams); a cluster defaults to 100 and 1000, etcd's own defaults.
func WithRaftTiming(tickMs, electionMs uint) Option {
	return func(c *config) { c.tickMs, c.electionMs = tickMs, electionMs }
}

func newConfig(cluster bool, opts []Option) config {
	c := config{startTimeout: defaultStartTimeout, tickMs: 20, electionMs: 200}
	if cluster {
		c.tickMs, c.electionMs = 100, 1000
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Etcd is one embedded etcd member: a whole single-member cluster from [Start]
// or [StartMain], or one member of a [Cluster].
type Etcd struct {
	name       string
	dir        string // the data directory lives at dir/data, the log at dir/etcd.log
	clientURL  url.URL
	peerURL    url.URL
	initial    string // initial-cluster
	token      string // initial-cluster-token
	cfg        config
	clientPort int

	mu      sync.Mutex
	e       *embed.Etcd
	started bool             // the data directory holds a member: restart as "existing"
	auth    bool             // EnableAuth ran: Client logs in as root
	kit     *clientv3.Client // Publish's and List's client, dialled on first use
}

// Start starts a single-member etcd on free 127.0.0.1 ports with its data in
// t.TempDir(), waits until it serves requests, and stops it when the test ends.
// It fails t when etcd does not become ready in time.
func Start(t testing.TB, opts ...Option) *Etcd {
	t.Helper()
	e, err := start(t.TempDir(), newConfig(false, opts))
	if err != nil {
		t.Fatalf("etcdtest: %v", err)
	}
	t.Cleanup(e.Stop)
	return e
}

// StartMain is [Start] for TestMain, which has no testing.TB: it starts etcd in a
// temporary directory of its own and returns it with a function that stops it
// and removes the directory. Call stop before os.Exit.
func StartMain(opts ...Option) (e *Etcd, stop func(), err error) {
	dir, err := os.MkdirTemp("", "etcdtest-")
	if err != nil {
		return nil, nil, fmt.Errorf("etcdtest: %w", err)
	}
	e, err = start(dir, newConfig(false, opts))
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("etcdtest: %w", err)
	}
	return e, func() {
		e.Stop()
		_ = os.RemoveAll(dir)
	}, nil
}

func start(dir string, cfg config) (*Etcd, error) {
	var err error
	for range startAttempts {
		var ports []int
		if ports, err = freePorts(2); err != nil {
			return nil, err
		}
		e := &Etcd{
			name:       "etcdtest",
			dir:        dir,
			clientURL:  loopbackURL(ports[0]),
			peerURL:    loopbackURL(ports[1]),
			token:      "etcdtest-" + strconv.Itoa(ports[0]),
			cfg:        cfg,
			clientPort: ports[0],
		}
		e.initial = e.name + "=" + e.peerURL.String()
		if err = e.launch(); err == nil {
			if err = e.waitReady(time.Now().Add(cfg.startTimeout)); err == nil {
				return e, nil
			}
			e.Stop()
		}
		if !isAddrInUse(err) {
			break
		}
		_ = os.RemoveAll(filepath.Join(dir, "data"))
	}
	return nil, err
}

func loopbackURL(port int) url.URL {
	return url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
}

// freePorts returns n distinct ports that were free on 127.0.0.1 a moment ago.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("picking a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func isAddrInUse(err error) bool {
	return err != nil && strings.Contains(err.Error(), "address already in use")
}

// launch starts the embedded server without waiting for it.
func (e *Etcd) launch() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.e != nil {
		return errors.New("etcd " + e.name + " is already running")
	}
	c := embed.NewConfig()
	c.Name = e.name
	c.Dir = filepath.Join(e.dir, "data")
	c.ListenClientUrls = []url.URL{e.clientURL}
	c.AdvertiseClientUrls = []url.URL{e.clientURL}
	c.ListenPeerUrls = []url.URL{e.peerURL}
	c.AdvertisePeerUrls = []url.URL{e.peerURL}
	c.InitialCluster = e.initial
	c.InitialClusterToken = e.token
	c.ClusterState = embed.ClusterStateFlagNew
	if e.started {
		c.ClusterState = embed.ClusterStateFlagExisting
	}
	c.TickMs, c.ElectionMs = e.cfg.tickMs, e.cfg.electionMs
	// Passwords hashed at bcrypt's lowest cost (bcrypt.MinCost): the default,
	// 10, costs tens of milliseconds per authentication, and seconds under the
	// race detector, which instruments an embedded etcd with the test.
	c.BcryptCost = 4
	c.LogLevel = "warn"
	c.LogOutputs = []string{filepath.Join(e.dir, e.name+".log")}
	c.UnsafeNoFsync = true // tests need speed, not durability across power loss
	srv, err := embed.StartEtcd(c)
	if err != nil {
		return fmt.Errorf("starting embedded etcd %s: %w", e.name, err)
	}
	e.e = srv
	e.started = true
	return nil
}

// waitReady waits until the member has joined the cluster and, once the cluster
// has a leader, until a linearizable request succeeds through it.
func (e *Etcd) waitReady(deadline time.Time) error {
	e.mu.Lock()
	srv := e.e
	e.mu.Unlock()
	if srv == nil {
		return errors.New("etcd " + e.name + " is not running")
	}
	select {
	case <-srv.Server.ReadyNotify():
	case err := <-srv.Err():
		return fmt.Errorf("etcd %s failed while starting: %v", e.name, err)
	case <-time.After(time.Until(deadline)):
		return fmt.Errorf("etcd %s not ready within its start timeout (log: %s)", e.name, e.LogPath())
	}
	return nil
}

// Endpoints returns the member's client URL, as an etcd client takes it
// ("127.0.0.1:port", without a scheme, as go-zero's configuration writes hosts).
func (e *Etcd) Endpoints() []string { return []string{e.clientURL.Host} }

// Endpoint returns the member's client host:port.
func (e *Etcd) Endpoint() string { return e.clientURL.Host }

// Dir returns the member's directory: its data directory and its log.
func (e *Etcd) Dir() string { return e.dir }

// LogPath returns the path of the member's log file (warnings and errors only).
func (e *Etcd) LogPath() string { return filepath.Join(e.dir, e.name+".log") }

// Running reports whether the member is running.
func (e *Etcd) Running() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.e != nil
}

// Stop stops the member and keeps its data directory and ports for [Etcd.Restart].
// It is safe to call more than once. etcd drains open client streams for up to
// 5 s plus two election timeouts; clients that never close (go-zero caches its
// etcd clients for the life of the process) make it wait that long.
func (e *Etcd) Stop() {
	e.mu.Lock()
	srv, kit := e.e, e.kit
	e.e, e.kit = nil, nil
	e.mu.Unlock()
	if kit != nil {
		_ = kit.Close()
	}
	if srv == nil {
		return
	}
	srv.Close()
	<-srv.Server.StopNotify()
}

// Restart starts a stopped member again on the same ports and data directory, and
// waits until it is ready. Keys and leases survive the restart (a lease's time to
// live starts over when the new leader takes office).
func (e *Etcd) Restart(t testing.TB) {
	t.Helper()
	if err := e.restart(); err != nil {
		t.Fatalf("etcdtest: %v", err)
	}
}

func (e *Etcd) restart() error {
	// The ports were ours a moment ago; a socket in TIME_WAIT does not stop
	// a listener (Go sets SO_REUSEADDR), so retry only briefly on a real clash.
	deadline := time.Now().Add(e.cfg.startTimeout)
	for {
		err := e.launch()
		if err == nil {
			return e.waitReady(deadline)
		}
		if !isAddrInUse(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Client returns a client of this member that closes with the test. Once
// [Etcd.EnableAuth] has run it logs in as root.
func (e *Etcd) Client(t testing.TB) *clientv3.Client {
	t.Helper()
	e.mu.Lock()
	auth := e.auth
	e.mu.Unlock()
	return newClient(t, e.Endpoints(), auth)
}

func newClient(t testing.TB, endpoints []string, auth bool) *clientv3.Client {
	t.Helper()
	c, err := dial(endpoints, auth)
	if err != nil {
		t.Fatalf("etcdtest: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func dial(endpoints []string, auth bool) (*clientv3.Client, error) {
	cfg := clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second, Logger: zap.NewNop()}
	if auth {
		cfg.Username, cfg.Password = "root", RootPassword
	}
	c, err := clientv3.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("client for %v: %w", endpoints, err)
	}
	return c, nil
}

// User is an etcd user for [Etcd.EnableAuth]: its password, and the key prefix
// its role may read and write ("" for every key).
type User struct {
	Name     string
	Password string
	Prefix   string
}

// EnableAuth creates a root user (password [RootPassword]), and for each user a
// role "<name>-role" with read and write permission on the user's prefix (or on
// every key) granted to it, then turns authentication on. Afterwards every
// request needs a user and password; [Etcd.Client] logs in as root.
func (e *Etcd) EnableAuth(t testing.TB, users ...User) {
	t.Helper()
	if err := enableAuth(e.Endpoints(), users); err != nil {
		t.Fatalf("etcdtest: %v", err)
	}
	e.mu.Lock()
	e.auth = true
	kit := e.kit
	e.kit = nil
	e.mu.Unlock()
	if kit != nil {
		_ = kit.Close()
	}
}

func enableAuth(endpoints []string, users []User) error {
	c, err := dial(endpoints, false)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	steps := []func() error{
		func() error { _, err := c.UserAdd(ctx, "root", RootPassword); return err },
		func() error { _, err := c.UserGrantRole(ctx, "root", "root"); return err },
	}
	for _, u := range users {
		role := u.Name + "-role"
		key, end := u.Prefix, clientv3.GetPrefixRangeEnd(u.Prefix)
		if u.Prefix == "" {
			key, end = "\x00", "\x00" // with end "\x00": every key
		}
		steps = append(steps,
			func() error { _, err := c.RoleAdd(ctx, role); return err },
			func() error {
				_, err := c.RoleGrantPermission(ctx, role, key, end, clientv3.PermissionType(clientv3.PermReadWrite))
				return err
			},
			func() error { _, err := c.UserAdd(ctx, u.Name, u.Password); return err },
			func() error { _, err := c.UserGrantRole(ctx, u.Name, role); return err },
		)
	}
	steps = append(steps, func() error { _, err := c.AuthEnable(ctx); return err })
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("enabling auth: %w", err)
		}
	}
	return nil
}

// Cluster is a multi-member etcd cluster from [StartCluster].
type Cluster struct {
	Members []*Etcd
}

// StartCluster starts an n-member etcd cluster in one process on free
// 127.0.0.1 ports, waits until every member is ready, and stops it when the test
// ends. Stop a member with [Etcd.Stop] to kill a node; the others keep quorum
// while a majority runs.
func StartCluster(t testing.TB, n int, opts ...Option) *Cluster {
	t.Helper()
	if n < 1 {
		t.Fatalf("etcdtest: StartCluster(%d): want at least one member", n)
	}
	cfg := newConfig(true, opts)
	dir := t.TempDir()
	var err error
	for range startAttempts {
		var c *Cluster
		if c, err = startCluster(dir, n, cfg); err == nil {
			t.Cleanup(c.Stop)
			return c
		}
		if !isAddrInUse(err) {
			break
		}
	}
	t.Fatalf("etcdtest: %v", err)
	return nil
}

func startCluster(dir string, n int, cfg config) (*Cluster, error) {
	ports, err := freePorts(2 * n)
	if err != nil {
		return nil, err
	}
	c := &Cluster{}
	var initial []string
	token := "etcdtest-cluster-" + strconv.Itoa(ports[0])
	for i := range n {
		m := &Etcd{
			name:       "member" + strconv.Itoa(i),
			dir:        filepath.Join(dir, token, "member"+strconv.Itoa(i)),
			clientURL:  loopbackURL(ports[2*i]),
			peerURL:    loopbackURL(ports[2*i+1]),
			token:      token,
			cfg:        cfg,
			clientPort: ports[2*i],
		}
		if err := os.MkdirAll(m.dir, 0o700); err != nil {
			return nil, err
		}
		initial = append(initial, m.name+"="+m.peerURL.String())
		c.Members = append(c.Members, m)
	}
	for _, m := range c.Members {
		m.initial = strings.Join(initial, ",")
		if err := m.launch(); err != nil {
			c.Stop()
			return nil, err
		}
	}
	deadline := time.Now().Add(cfg.startTimeout)
	for _, m := range c.Members {
		if err := m.waitReady(deadline); err != nil {
			c.Stop()
			return nil, err
		}
	}
	return c, nil
}

// Endpoints returns the client host:port of every member, running or not.
func (c *Cluster) Endpoints() []string {
	eps := make([]string, 0, len(c.Members))
	for _, m := range c.Members {
		eps = append(eps, m.Endpoint())
	}
	return eps
}

// Client returns a client of the whole cluster that closes with the test.
func (c *Cluster) Client(t testing.TB) *clientv3.Client {
	t.Helper()
	return newClient(t, c.Endpoints(), false)
}

// Stop stops every member, in parallel.
func (c *Cluster) Stop() {
	var wg sync.WaitGroup
	for _, m := range c.Members {
		wg.Go(m.Stop)
	}
	wg.Wait()
}
