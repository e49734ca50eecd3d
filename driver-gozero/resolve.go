package gozero

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/zeromicro/go-zero/core/discov"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc/resolver"
)

// checkTimeout bounds the driver's own look at an etcd cluster before it hands the
// cluster to go-zero, whose calls have no deadline.
const checkTimeout = 5 * time.Second

// etcdBuilder wraps go-zero's etcd or discov resolver builder. Before go-zero
// builds a resolver for a set of hosts the first time, it gives go-zero the
// driver's account and TLS for those hosts (go-zero looks them up by hosts), and
// checks that etcd lets that account read the key: go-zero's resolver retries a
// refused read for ever, so a missing credential would otherwise hang grpc.Dial.
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
	if err := b.d.prepareResolve(hosts, key); err != nil {
		return nil, err
	}
	r, err := b.inner.Build(target, cc, opts)
	if err != nil {
		return nil, err
	}
	return &settlingResolver{Resolver: r, built: time.Now()}, nil
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
// for its own hosts; else Configure's; else the environment's; else the first
// registration target's. The caller holds d.mu.
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
	if !d.env.isZero() {
		return *d.env, nil
	}
	if d.fallback != nil {
		return *d.fallback, nil
	}
	return Config{}, nil
}

// prepareResolve gives go-zero the account and TLS for hosts, once, and checks
// them against etcd until one check passes.
func (d *driver) prepareResolve(hosts []string, key string) error {
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
	err = checkCluster(hosts, key, cfg)
	switch {
	case err == nil:
		d.mu.Lock()
		d.checked[ck] = true
		d.mu.Unlock()
		return nil
	case isAuthError(err):
		return fmt.Errorf("gozero: etcd %s refused to let the resolver read key %s as %s: %w "+
			"(give the driver an account: %s and %s, gozero.Configure, or the registration target)",
			dtmdriver.Quote(ck), dtmdriver.Quote(key), who(cfg), err, EnvUser, EnvPassword)
	default:
		// Unreachable for now: go-zero's resolver waits for etcd, as it always does.
		return nil
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

// checkCluster reads the keys under key with a client of its own, with the same
// account and TLS go-zero will use, within checkTimeout. It returns nil when etcd
// answers, and etcd's error otherwise.
func checkCluster(hosts []string, key string, c Config) error {
	cfg := clientv3.Config{
		Endpoints:   hosts,
		DialTimeout: checkTimeout,
		Username:    c.User,
		Password:    c.Password,
		Logger:      zap.NewNop(),
	}
	if c.hasTLS() {
		tc, err := tlsConfig(c)
		if err != nil {
			return err
		}
		cfg.TLS = tc
	}
	ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
	defer cancel()
	cfg.Context = ctx
	cli, err := clientv3.New(cfg)
	if err != nil {
		return err
	}
	defer cli.Close()
	// go-zero watches key+"/" as a prefix: read the same range.
	_, err = cli.Get(ctx, key+"/", clientv3.WithPrefix(), clientv3.WithCountOnly())
	return err
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
