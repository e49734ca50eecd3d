package gozero

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/zeromicro/go-zero/core/discov"
	"github.com/zeromicro/go-zero/core/netx"
)

// targetForm is the form of dtm's registration target, as errors name it.
const targetForm dtmdriver.URIForm = "etcd://host:port[,host:port]/key[?user=u&password=p&certFile=f&certKeyFile=f&caCertFile=f] " +
	"or etcd:///host:port[,host:port]?key=key[&…] (discov:// alike)"

// closeTimeout bounds how long Close waits for etcd to drop a registration.
const closeTimeout = 5 * time.Second

// regTarget is a parsed registration target.
type regTarget struct {
	hosts []string
	key   string
	id    int64
	cfg   Config
}

// parseTarget reads a registration target. Its errors wrap dtmdriver.ErrBadURI and
// quote the target with its password redacted.
func parseTarget(target string) (regTarget, error) {
	var t regTarget
	shown := target // Reject redacts it
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

// publishedEndpoint is the address published for dtm. Like a go-zero zrpc server,
// it replaces an unspecified host (":36790", "0.0.0.0:36790") with $POD_IP or the
// machine's internal IP.
func publishedEndpoint(endpoint string) (string, error) {
	host, port, err := net.SplitHostPort(endpoint)
	if err != nil || port == "" {
		return "", fmt.Errorf("gozero: dtm's endpoint %s is not host:port", dtmdriver.Quote(endpoint))
	}
	if host != "" && host != "0.0.0.0" && host != "::" {
		return endpoint, nil
	}
	ip := os.Getenv("POD_IP")
	if ip == "" {
		ip = netx.InternalIp()
	}
	if ip == "" {
		return "", fmt.Errorf("gozero: dtm's endpoint %s has no host, and no internal IP was found to publish", dtmdriver.Quote(endpoint))
	}
	return net.JoinHostPort(ip, port), nil
}

// registration is one RegisterGrpcService: go-zero's publisher, and a subscriber
// on the same key through which Close sees the key go.
type registration struct {
	pub   *discov.Publisher
	sub   *discov.Subscriber
	value string
}

// RegisterGrpcService publishes endpoint, dtm's gRPC address, under the key of
// target in etcd, as a go-zero zrpc server publishes itself: key/<lease id> with a
// lease of discov.TimeToLive seconds kept alive in the background, restored after
// etcd comes back. A go-zero client with Etcd{Hosts, Key} then reaches dtm. The
// target's account and TLS also serve to resolve branch URIs through the same
// etcd. An empty target does nothing. An error means nothing is registered.
func (d *driver) RegisterGrpcService(target, endpoint string) error {
	if target == "" {
		return nil
	}
	t, err := parseTarget(target)
	if err != nil {
		return err
	}
	value, err := publishedEndpoint(endpoint)
	if err != nil {
		return err
	}
	where := fmt.Sprintf("dtm (%s) under key %s in etcd %s",
		dtmdriver.Quote(value), dtmdriver.Quote(t.key), dtmdriver.Quote(strings.Join(t.hosts, ",")))
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
		if d.fallback == nil {
			d.fallback = &cfg
		}
	}
	d.mu.Unlock()
	if err != nil {
		return fmt.Errorf("gozero: registering %s: %w", where, err)
	}
	if err := registerCluster(t.hosts, cfg); err != nil {
		return fmt.Errorf("gozero: registering %s: %w", where, err)
	}
	d.mu.Lock()
	d.prepared[ck] = cfg
	d.mu.Unlock()

	// go-zero's publisher waits for ever for an etcd that does not answer: look
	// first, within a deadline, with the same account and TLS.
	if err := checkCluster(t.hosts, t.key, cfg); err != nil {
		return fmt.Errorf("gozero: registering %s as %s: %w", where, who(cfg), err)
	}
	var opts []discov.PubOption
	if t.id > 0 {
		opts = append(opts, discov.WithId(t.id))
	}
	pub := discov.NewPublisher(slices.Clone(t.hosts), t.key, value, opts...)
	if err := pub.KeepAlive(); err != nil {
		pub.Stop()
		return fmt.Errorf("gozero: registering %s as %s: %w", where, who(cfg), err)
	}
	sub, err := discov.NewSubscriber(slices.Clone(t.hosts), t.key)
	if err != nil {
		pub.Stop()
		return fmt.Errorf("gozero: watching %s: %w", where, err)
	}
	d.mu.Lock()
	d.regs = append(d.regs, &registration{pub: pub, sub: sub, value: value})
	d.mu.Unlock()
	return nil
}

// close stops the keep-alive, which revokes the lease, and waits until the
// subscriber no longer sees the endpoint.
func (r *registration) close() error {
	r.pub.Stop()
	defer r.sub.Close()
	deadline := time.Now().Add(closeTimeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for slices.Contains(r.sub.Values(), r.value) {
		if time.Now().After(deadline) {
			return errors.New("gozero: etcd still lists dtm (" + dtmdriver.Quote(r.value) + ") " + closeTimeout.String() +
				" after Close; it drops the key when the lease expires")
		}
		<-tick.C
	}
	return nil
}

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
