package gozero

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/zeromicro/go-zero/core/discov"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc/resolver"
)

// checkTimeout bounds the driver's own look at an etcd cluster before it hands the
// cluster to go-zero, whose calls have no deadline. An etcd that refuses the
// connection fails the check at once (probe); one that accepts it but has not
// answered within checkTimeout is reported to the calls by name, and the check
// is tried again after a pause. It is not short: a reported failure fails the
// calls waiting (gRPC fails fast in that state), and a loaded etcd with auth on
// (a bcrypt hash per authentication) may take seconds to answer one that would
// have succeeded.
const checkTimeout = 5 * time.Second

// etcdBuilder wraps go-zero's etcd or discov resolver builder. Before go-zero
// builds a resolver for a set of hosts the first time, it gives go-zero the
// driver's account and TLS for those hosts (go-zero looks them up by hosts), and
// checks that etcd answers and lets that account read the key: go-zero's resolver
// waits for an etcd that does not answer, and retries a refused read, for ever.
//
// Build returns at once and does this in the background, so that a call honours
// its own deadline: until etcd passes the check, the resolver reports why to gRPC
// (a call without WaitForReady fails with that error, naming etcd and its hosts),
// and checks again with a growing pause.
type etcdBuilder struct {
	inner resolver.Builder
	d     *driver
}

func (b *etcdBuilder) Scheme() string { return b.inner.Scheme() }

func (b *etcdBuilder) Build(target resolver.Target, cc resolver.ClientConn, opts resolver.BuildOptions) (resolver.Resolver, error) {
	hosts, key := targetHostsKey(target)
	if len(hosts) == 0 || key == "" {
		return nil, fmt.Errorf("gozero: etcd target %s has no hosts or no key", dtmdriver.Quote(target.URL.String()))
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &etcdResolver{cancel: cancel}
	go r.start(ctx, func(ctx context.Context) error {
		if err := b.d.prepareResolve(ctx, hosts, key); err != nil {
			return err
		}
		unlock := lockBuild(clusterKey(hosts) + "\x00" + key)
		inner, err := b.inner.Build(target, cc, opts)
		unlock()
		if err != nil {
			return fmt.Errorf("gozero: resolving key %q in etcd %s: %w", key, showHosts(hosts), err)
		}
		settling := &settlingResolver{Resolver: inner, built: time.Now()}
		if !r.set(settling) {
			settling.Close()
		}
		return nil
	}, cc)
	return r, nil
}

// buildLocks serialize go-zero's resolver builds per etcd cluster and key
// (string → *sync.Mutex). go-zero's registry (v1.10.3,
// core/discov/internal/registry.go) loses a subscriber that starts while
// another subscriber of the same key loads it: both find no watcher, the
// second adds its listener after the first load applied the key's values,
// and its own load sees no change, so nothing is ever added to it. That
// resolver reports zero addresses until the key next changes, and dtm's
// calls through it fail ("produced zero addresses"). One build at a time per
// key, the later one finds the watcher and go-zero hands it the values. A
// build holds the lock for one etcd read (prepareResolve checked that etcd
// answers); one mutex per distinct key stays for the process.
var buildLocks sync.Map

func lockBuild(key string) (unlock func()) {
	m, _ := buildLocks.LoadOrStore(key, new(sync.Mutex))
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// Pauses between two checks of an etcd that failed one.
const (
	firstRetry = 500 * time.Millisecond
	maxRetry   = 10 * time.Second
)

// etcdResolver is go-zero's resolver once etcd has passed the driver's check.
type etcdResolver struct {
	cancel context.CancelFunc
	mu     sync.Mutex
	closed bool
	inner  resolver.Resolver
}

// start runs build until it succeeds or the resolver closes, reporting each
// failure to cc.
func (r *etcdResolver) start(ctx context.Context, build func(context.Context) error, cc resolver.ClientConn) {
	pause := firstRetry
	for {
		err := build(ctx)
		if err == nil || ctx.Err() != nil {
			return
		}
		cc.ReportError(err)
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		pause = min(2*pause, maxRetry)
	}
}

// set installs inner, and reports false when the resolver closed meanwhile.
func (r *etcdResolver) set(inner resolver.Resolver) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.inner = inner
	return true
}

func (r *etcdResolver) ResolveNow(o resolver.ResolveNowOptions) {
	r.mu.Lock()
	inner := r.inner
	r.mu.Unlock()
	if inner != nil {
		inner.ResolveNow(o)
	}
}

func (r *etcdResolver) Close() {
	r.cancel()
	r.mu.Lock()
	r.closed = true
	inner := r.inner
	r.inner = nil
	r.mu.Unlock()
	if inner != nil {
		inner.Close()
	}
}

// settle is how long a resolver lives at least. go-zero's resolver starts its etcd
// watch in the background and records how to cancel it only once the watch runs;
// closed before that, the watch is never cancelled and runs for the life of the
// process (a race in go-zero's discov registry, Monitor against Unmonitor).
const settle = time.Second

// settlingResolver closes a young go-zero resolver only once it is settle old.
type settlingResolver struct {
	resolver.Resolver
	built time.Time
}

func (r *settlingResolver) Close() {
	if wait := settle - time.Since(r.built); wait > 0 {
		time.AfterFunc(wait, r.Resolver.Close)
		return
	}
	r.Resolver.Close()
}

// targetHostsKey reads the hosts and key of a target as go-zero's resolver does:
// "etcd://h1,h2/key" (the key is the whole path) or "etcd:///h1,h2?key=key".
func targetHostsKey(target resolver.Target) (hosts []string, key string) {
	u := target.URL
	list := u.Host
	if list == "" {
		list = strings.Trim(u.Path, "/")
		key = u.Query().Get("key")
	} else {
		key = strings.Trim(u.Path, "/")
	}
	return strings.FieldsFunc(list, func(r rune) bool { return r == ',' }), key
}

// clusterKey names a set of hosts the way go-zero does: sorted, comma-joined.
func clusterKey(hosts []string) string {
	s := slices.Clone(hosts)
	slices.Sort(s)
	return strings.Join(s, ",")
}

// configFor returns the account and TLS for a cluster: a registration target's
// for its own hosts; else Configure's; else the environment's; else none. A
// registration target's account never goes to other hosts. The caller holds d.mu.
func (d *driver) configFor(ck string) (Config, error) {
	if c, ok := d.targets[ck]; ok {
		return c, nil
	}
	if d.explicit != nil {
		return *d.explicit, nil
	}
	if d.env == nil && d.envErr == nil {
		c, err := ConfigFromEnv()
		d.env, d.envErr = &c, err
	}
	if d.envErr != nil {
		return Config{}, d.envErr
	}
	return *d.env, nil
}

// prepareResolve gives go-zero the account and TLS for hosts, once, and checks
// them against etcd until one check passes. Its errors name etcd, its hosts and
// what to check.
func (d *driver) prepareResolve(ctx context.Context, hosts []string, key string) error {
	ck := clusterKey(hosts)
	d.mu.Lock()
	cfg, err := d.configFor(ck)
	given, prepared := d.prepared[ck]
	checked := d.checked[ck]
	d.mu.Unlock()
	if err != nil {
		return err
	}
	if !prepared || given != cfg {
		if err := registerCluster(hosts, cfg); err != nil {
			return err
		}
		d.mu.Lock()
		d.prepared[ck] = cfg
		d.mu.Unlock()
	}
	if checked {
		return nil
	}
	err = checkCluster(ctx, hosts, key, cfg)
	switch {
	case err == nil:
		d.mu.Lock()
		d.checked[ck] = true
		d.mu.Unlock()
		return nil
	case isAuthError(err):
		return fmt.Errorf("gozero: etcd %s refused to let the resolver read key %s as %s: %w "+
			"(give the driver an account: %s and %s, gozero.Configure, or the registration target)",
			showHosts(hosts), dtmdriver.Quote(key), who(cfg), err, EnvUser, EnvPassword)
	default:
		return fmt.Errorf("gozero: resolving key %q: %w", key, err)
	}
}

func who(c Config) string {
	if c.User == "" {
		return "nobody (no account configured)"
	}
	return "user " + dtmdriver.Quote(c.User)
}

// registerCluster hands go-zero the account and TLS for hosts. go-zero keys them by
// the sorted hosts and sorts the slice it is given, so it gets a copy.
func registerCluster(hosts []string, c Config) error {
	if c.hasAccount() {
		discov.RegisterAccount(slices.Clone(hosts), c.User, c.Password)
	}
	if c.hasTLS() {
		if err := discov.RegisterTLS(slices.Clone(hosts), c.CertFile, c.CertKeyFile, c.CACertFile, c.InsecureSkipVerify); err != nil {
			return fmt.Errorf("gozero: etcd TLS files: %w", err)
		}
	}
	return nil
}

// probeTimeout bounds one TCP connection attempt to an etcd host: an etcd that
// takes longer to accept one is as good as away for a call with a deadline.
const probeTimeout = time.Second

// probe returns nil once one of hosts accepts a TCP connection, and otherwise an
// error naming etcd, the hosts, each failure and what to check. A refused
// connection fails at once, where etcd's client would wait for its deadline.
func probe(ctx context.Context, hosts []string) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	errs := make(chan error, len(hosts))
	for _, h := range hosts {
		go func() {
			var dialer net.Dialer
			c, err := dialer.DialContext(ctx, "tcp", h)
			if err == nil {
				c.Close()
			}
			errs <- err
		}()
	}
	var failed []error
	for range hosts {
		err := <-errs
		if err == nil {
			return nil
		}
		failed = append(failed, err)
	}
	return unreachable(hosts, errors.Join(failed...))
}

// unreachable wraps err, why etcd did not answer, with the hosts and what to check.
func unreachable(hosts []string, err error) error {
	if isAuthError(err) {
		return err
	}
	return fmt.Errorf("etcd at %s does not answer: %w (check that etcd runs at that address, "+
		"that this host can reach it, and its TLS settings)", showHosts(hosts), err)
}

// newClient makes an etcd client for hosts with c's account and TLS. The
// deadline of ctx, if any, bounds its connection and authentication; the client
// lives until closed.
func newClient(ctx context.Context, hosts []string, c Config) (*clientv3.Client, error) {
	cfg := clientv3.Config{
		Endpoints:   slices.Clone(hosts),
		DialTimeout: checkTimeout,
		Username:    c.User,
		Password:    c.Password,
		Logger:      zap.NewNop(),
	}
	if dl, ok := ctx.Deadline(); ok {
		cfg.DialTimeout = max(time.Until(dl), time.Millisecond)
	}
	if c.hasTLS() {
		tc, err := tlsConfig(c)
		if err != nil {
			return nil, err
		}
		cfg.TLS = tc
	}
	return clientv3.New(cfg)
}

// checkCluster reads the keys under key with a client of its own, with the same
// account and TLS go-zero will use, within checkTimeout. It returns nil when etcd
// answers, and why not otherwise.
func checkCluster(ctx context.Context, hosts []string, key string, c Config) error {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	if err := probe(ctx, hosts); err != nil {
		return err
	}
	cli, err := newClient(ctx, hosts, c)
	if err != nil {
		return unreachable(hosts, err)
	}
	defer cli.Close()
	// go-zero watches key+"/" as a prefix: read the same range.
	if _, err := cli.Get(ctx, key+"/", clientv3.WithPrefix(), clientv3.WithCountOnly()); err != nil {
		return unreachable(hosts, err)
	}
	return nil
}

// isAuthError reports whether etcd refused the account rather than being away.
func isAuthError(err error) bool {
	for _, e := range []error{rpctypes.ErrUserEmpty, rpctypes.ErrAuthFailed, rpctypes.ErrPermissionDenied,
		rpctypes.ErrInvalidAuthToken, rpctypes.ErrAuthOldRevision, rpctypes.ErrUserNotFound} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
