package gozero

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/zeromicro/go-zero/core/discov"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// targetForm is the form of dtm's registration target, as errors name it.
const targetForm dtmdriver.URIForm = "etcd://host:port[,host:port]/key[?user=u&password=p&certFile=f&certKeyFile=f&caCertFile=f] " +
	"or etcd:///host:port[,host:port]?key=key[&…] (discov:// alike)"

// closeTimeout bounds how long Close waits for etcd to drop a registration.
const closeTimeout = 5 * time.Second

// regTimeout bounds a first registration: reaching etcd, the lease and the key.
const regTimeout = 5 * time.Second

// registrationTarget is a parsed registration target.
type registrationTarget struct {
	hosts []string
	key   string
	id    int64
	cfg   Config
}

// parseRegistrationTarget reads a registration target. Its errors wrap dtmdriver.ErrBadURI and
// quote the target with its password redacted.
func parseRegistrationTarget(target string) (registrationTarget, error) {
	var t registrationTarget
	shown := target // Reject redacts it
	if strings.IndexByte(target, '#') >= 0 {
		// A URL ends at '#': a password holding one would be cut short and sent
		// wrong. Quote nothing after the scheme: where the '#' sits is unknown.
		scheme := dtmdriver.Scheme(target)
		if scheme != "etcd" && scheme != "discov" {
			scheme = "…"
		}
		return t, targetForm.Reject(scheme+"://…", "a '#' in the target (in a password?) "+
			"ends it as a URL; percent-encode it as %23")
	}
	u, err := url.Parse(target)
	if err != nil {
		return t, targetForm.Reject(shown, "not a URL")
	}
	if u.Scheme != "etcd" && u.Scheme != "discov" {
		return t, targetForm.Reject(shown, "scheme "+dtmdriver.Quote(u.Scheme)+": this driver registers dtm in etcd, "+
			"as go-zero services do (for Consul, use dtm-driver-consul)")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return t, targetForm.Reject(shown, "bad query")
	}
	list := u.Host
	if list == "" {
		list = strings.Trim(u.Path, "/")
		t.key = q.Get("key")
	} else {
		t.key = strings.Trim(u.Path, "/")
	}
	t.hosts = strings.FieldsFunc(list, func(r rune) bool { return r == ',' })
	switch {
	case len(t.hosts) == 0:
		return t, targetForm.Reject(shown, "no etcd hosts")
	case strings.ContainsAny(list, "@"):
		return t, targetForm.Reject(shown, "userinfo goes before the hosts of etcd://user:password@host:port/key, or in ?user= and ?password=")
	case u.Host == "" && strings.Contains(list, "/"):
		return t, targetForm.Reject(shown, "with an empty authority (etcd:///) the path holds only the hosts; put the key in ?key=")
	case t.key == "":
		return t, targetForm.Reject(shown, "no key to register dtm under")
	}
	if u.User != nil {
		t.cfg.User = u.User.Username()
		t.cfg.Password, _ = u.User.Password()
	}
	for name, vals := range q {
		v := vals[len(vals)-1]
		switch name {
		case "key":
		case "user":
			t.cfg.User = v
		case "password":
			t.cfg.Password = v
		case "certFile":
			t.cfg.CertFile = v
		case "certKeyFile":
			t.cfg.CertKeyFile = v
		case "caCertFile":
			t.cfg.CACertFile = v
		case "insecureSkipVerify":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return t, targetForm.Reject(shown, "insecureSkipVerify is not a boolean")
			}
			t.cfg.InsecureSkipVerify = b
		case "id":
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				return t, targetForm.Reject(shown, "id is not a positive integer")
			}
			t.id = id
		default:
			return t, targetForm.Reject(shown, dtmdriver.UnknownOption(u.RawQuery, name)+" (known: key, user, password, "+
				"certFile, certKeyFile, caCertFile, insecureSkipVerify, id)")
		}
	}
	return t, nil
}

// PlanRegistration reads target as RegisterGrpcService does, contacting
// nothing and reading no file, and returns the key and etcd hosts dtm would
// go under, with the URI clients dial to reach it. See [dtmdriver.Planner].
func (*driver) PlanRegistration(target string) ([]dtmdriver.Registration, error) {
	if target == "" {
		return nil, nil
	}
	t, err := parseRegistrationTarget(target)
	if err != nil {
		return nil, err
	}
	if err := t.cfg.validateForm(); err != nil {
		return nil, targetForm.Reject(target, strings.TrimPrefix(err.Error(), "gozero: "))
	}
	var opts map[string]string
	if t.id > 0 {
		opts = map[string]string{"id": strconv.FormatInt(t.id, 10)}
	}
	return []dtmdriver.Registration{{
		Driver:    DriverName,
		Target:    dtmdriver.Redact(target),
		Registry:  "etcd",
		Servers:   slices.Clone(t.hosts),
		Service:   t.key,
		Options:   opts,
		ClientURI: "etcd://" + strings.Join(t.hosts, ",") + "/" + t.key,
		Credentials: dtmdriver.Credentials{
			User: t.cfg.User, Password: t.cfg.Password,
			CertFile: t.cfg.CertFile, KeyFile: t.cfg.CertKeyFile, CAFile: t.cfg.CACertFile,
			InsecureSkipVerify: t.cfg.InsecureSkipVerify,
		},
	}}, nil
}

// RegisterGrpcService publishes endpoint, dtm's gRPC address, under the key of
// target in etcd, as a go-zero zrpc server publishes itself: key/<lease id> (or
// key/<id> with ?id=) with a lease of discov.TimeToLive seconds, kept alive in the
// background and restored when etcd lost it. A go-zero client with Etcd{Hosts, Key}
// then reaches dtm. The registration has an etcd client of its own, made with the
// target's account and TLS (or, when the target has none, with what [Configure] or
// the environment gives), which Close closes. The target's account and TLS also
// serve to resolve branch URIs through the same etcd hosts, and no others. An
// empty target does nothing. An error means nothing is registered.
func (d *driver) RegisterGrpcService(target, endpoint string) error {
	if target == "" {
		return nil
	}
	t, err := parseRegistrationTarget(target)
	if err != nil {
		return err
	}
	if _, _, err := dtmdriver.CheckEndpoint(endpoint); err != nil {
		return fmt.Errorf("gozero: registering dtm under key %q in etcd %s: %w", t.key, showHosts(t.hosts), err)
	}
	where := fmt.Sprintf("dtm (%s) under key %s in etcd %s", dtmdriver.Quote(endpoint), dtmdriver.Quote(t.key), showHosts(t.hosts))
	if err := t.cfg.validate(); err != nil {
		return fmt.Errorf("gozero: registering %s: %w", where, err)
	}

	ck := clusterKey(t.hosts)
	cfg := t.cfg
	d.mu.Lock()
	if cfg.isZero() {
		cfg, err = d.configFor(ck)
	} else {
		d.targets[ck] = cfg
	}
	d.mu.Unlock()
	if err != nil {
		return fmt.Errorf("gozero: registering %s: %w", where, err)
	}
	if !cfg.isZero() {
		// For resolvers of the same hosts, in go-zero's registry.
		if err := registerCluster(t.hosts, cfg); err != nil {
			return fmt.Errorf("gozero: registering %s: %w", where, err)
		}
		d.mu.Lock()
		d.prepared[ck] = cfg
		d.mu.Unlock()
	}

	r, err := startRegistration(t, endpoint, cfg)
	if err != nil {
		return fmt.Errorf("gozero: registering %s as %s: %w", where, who(cfg), err)
	}
	d.mu.Lock()
	d.regs = append(d.regs, r)
	d.mu.Unlock()
	return nil
}

// registration is dtm's key in etcd under a lease, with the client that keeps it.
type registration struct {
	cli    *clientv3.Client
	hosts  []string
	key    string // the key given in the target; dtm's own is key/<lease or id>
	id     int64
	value  string
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	lease   clientv3.LeaseID
	fullKey string
}

// startRegistration connects to the target's etcd, puts dtm's key under a new
// lease within regTimeout, and keeps the lease alive in the background.
func startRegistration(t registrationTarget, value string, cfg Config) (*registration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), regTimeout)
	defer cancel()
	if err := probe(ctx, t.hosts); err != nil {
		return nil, err
	}
	cli, err := newClient(ctx, t.hosts, cfg)
	if err != nil {
		return nil, unreachable(t.hosts, err)
	}
	rctx, rcancel := context.WithCancel(context.Background())
	r := &registration{
		cli: cli, hosts: t.hosts, key: t.key, id: t.id, value: value,
		ctx: rctx, cancel: rcancel, done: make(chan struct{}),
	}
	if err := r.register(ctx); err != nil {
		rcancel()
		cli.Close()
		return nil, unreachable(t.hosts, err)
	}
	go r.keepAlive()
	return r, nil
}

// register puts dtm's key under a new lease, as go-zero's publisher does.
func (r *registration) register(ctx context.Context) error {
	lease, err := r.cli.Grant(ctx, discov.TimeToLive)
	if err != nil {
		return err
	}
	id := r.id
	if id <= 0 {
		id = int64(lease.ID)
	}
	fullKey := r.key + "/" + strconv.FormatInt(id, 10)
	if _, err := r.cli.Put(ctx, fullKey, r.value, clientv3.WithLease(lease.ID)); err != nil {
		// The lease dies with its TTL if this revoke fails too.
		rctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, _ = r.cli.Revoke(rctx, lease.ID)
		cancel()
		return err
	}
	r.mu.Lock()
	r.lease, r.fullKey = lease.ID, fullKey
	r.mu.Unlock()
	return nil
}

// keepAlive renews the lease until Close. When etcd drops the lease (it expired
// while etcd was away, or someone revoked it), it registers dtm again, once a
// second until it succeeds.
func (r *registration) keepAlive() {
	defer close(r.done)
	for {
		r.mu.Lock()
		lease := r.lease
		r.mu.Unlock()
		if ch, err := r.cli.KeepAlive(r.ctx, lease); err == nil {
			for range ch { // ends when the lease is gone or r.ctx is done
			}
		}
		if !r.again() {
			return
		}
	}
}

// again registers dtm anew, retrying every second; it reports false once Close
// has begun.
func (r *registration) again() bool {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if r.ctx.Err() != nil {
			return false
		}
		ctx, cancel := context.WithTimeout(r.ctx, regTimeout)
		err := r.register(ctx)
		cancel()
		if err == nil {
			return true
		}
		select {
		case <-r.ctx.Done():
			return false
		case <-tick.C:
		}
	}
}

// stop ends the keep-alive and revokes the lease, which deletes dtm's key.
func (r *registration) stop(ctx context.Context) error {
	r.cancel()
	<-r.done
	r.mu.Lock()
	lease := r.lease
	r.mu.Unlock()
	if _, err := r.cli.Revoke(ctx, lease); err != nil && !errors.Is(err, rpctypes.ErrLeaseNotFound) {
		return fmt.Errorf("gozero: withdrawing dtm (%s) from etcd %s: revoking its lease: %w; "+
			"etcd drops the key when the lease expires (%d s)", r.value, showHosts(r.hosts), err, discov.TimeToLive)
	}
	return nil
}

// check reports an error unless dtm's key is gone from etcd.
func (r *registration) check(ctx context.Context) error {
	r.mu.Lock()
	fullKey := r.fullKey
	r.mu.Unlock()
	resp, err := r.cli.Get(ctx, fullKey, clientv3.WithCountOnly())
	switch {
	case err != nil:
		return fmt.Errorf("gozero: withdrawing dtm (%s) from etcd %s: checking key %q: %w", r.value, showHosts(r.hosts), fullKey, err)
	case resp.Count != 0:
		return fmt.Errorf("gozero: etcd %s still lists dtm (%s) under %q after its lease was revoked", showHosts(r.hosts), r.value, fullKey)
	}
	return nil
}

// showHosts is how errors name a set of etcd hosts: without any credentials.
func showHosts(hosts []string) string { return dtmdriver.Quote(strings.Join(hosts, ",")) }

// tlsConfig builds the TLS configuration go-zero builds from the same files.
func tlsConfig(c Config) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(c.CertFile, c.CertKeyFile)
	if err != nil {
		return nil, fmt.Errorf("gozero: etcd client certificate: %w", err)
	}
	ca, err := os.ReadFile(c.CACertFile)
	if err != nil {
		return nil, fmt.Errorf("gozero: etcd CA certificate: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("gozero: etcd CA certificate %s holds no PEM certificate", dtmdriver.Quote(c.CACertFile))
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, InsecureSkipVerify: c.InsecureSkipVerify}, nil
}
