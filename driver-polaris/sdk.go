package polaris

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	polarisgo "github.com/polarismesh/polaris-go"
	"github.com/polarismesh/polaris-go/api"
	"github.com/polarismesh/polaris-go/pkg/config"
)

// Environment variables read when a resolver first needs a Polaris server and
// neither [Configure] nor a registration target named one.
const (
	// EnvAddresses lists the Polaris servers' gRPC discovery addresses,
	// comma-separated host:port (the server's port 8091 by default).
	EnvAddresses = "DTM_POLARIS_ADDRESSES"
	// EnvToken is the token sent to the Polaris servers named by EnvAddresses.
	EnvToken = "DTM_POLARIS_TOKEN"
	// EnvDir is the directory for polaris-go's own files: its local cache and
	// its logs. It is read whenever an SDK context is created.
	EnvDir = "DTM_POLARIS_DIR"
)

// Config configures the driver in a client app, or overrides what the dtm
// server's registration target says. See [Configure].
type Config struct {
	// Addresses are the Polaris servers' gRPC discovery addresses (host:port).
	// Empty leaves the server to the registration target or EnvAddresses.
	Addresses []string
	// Token is sent to the servers in Addresses, for servers with auth on.
	Token string
	// Dir is the directory for polaris-go's local cache and logs. Empty means
	// EnvDir, or else "dtm-driver-polaris" under os.UserCacheDir (os.TempDir
	// when there is none). Never the working directory.
	Dir string
	// RefreshInterval is how often a resolver asks the server whether its
	// service changed (one small Discover request carrying the last revision;
	// see DefaultRefreshInterval). A change is seen within the server's naming
	// cache reload (1 s in Polaris v1.18.1) plus this. Zero means
	// DefaultRefreshInterval, 100 ms.
	RefreshInterval time.Duration
}

// Configure sets the configuration of the registered driver. Call it before the
// first dial or registration: SDK contexts already created keep their settings
// until [dtmdriver.Close]. It returns an error wrapping dtmdriver.ErrBadURI for a
// malformed address.
func Configure(c Config) error { return std.configure(c) }

func (d *driver) configure(c Config) error {
	var sc *serverConfig
	if len(c.Addresses) > 0 {
		addrs, reason := splitAddrs(strings.Join(c.Addresses, ","))
		if reason != "" {
			return dtmdriver.URIForm("host:port").Reject(strings.Join(c.Addresses, ","), reason)
		}
		sc = &serverConfig{addrs: addrs, token: c.Token}
	}
	if c.RefreshInterval < 0 {
		return errors.New("polaris: negative RefreshInterval")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.explicit = sc
	d.opts = c
	return nil
}

// serverConfig names a set of Polaris servers and the token they take.
type serverConfig struct {
	addrs []string
	token string
}

func (c serverConfig) key() string { return strings.Join(c.addrs, ",") + "\x00" + c.token }

// errNoServer is what a resolver reports when nothing names a Polaris server.
var errNoServer = errors.New("polaris: no Polaris server configured: set " + EnvAddresses +
	", call polaris.Configure, or register dtm with a polaris://host:port/service target")

// server returns the Polaris servers resolvers use: Configure's, else the
// registration target's, else the environment's.
func (d *driver) server() (serverConfig, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.explicit != nil:
		return *d.explicit, nil
	case d.target != nil:
		return *d.target, nil
	}
	env := os.Getenv(EnvAddresses)
	if env == "" {
		return serverConfig{}, errNoServer
	}
	addrs, reason := splitAddrs(env)
	if reason != "" {
		return serverConfig{}, fmt.Errorf("polaris: %s: %s", EnvAddresses, reason)
	}
	return serverConfig{addrs: addrs, token: os.Getenv(EnvToken)}, nil
}

// dir returns the directory for polaris-go's files.
func (d *driver) dirLocked() string {
	if d.opts.Dir != "" {
		return d.opts.Dir
	}
	if env := os.Getenv(EnvDir); env != "" {
		return env
	}
	base, err := os.UserCacheDir()
	if err != nil || base == "" {
		base = os.TempDir()
	}
	return filepath.Join(base, DriverName)
}

// loggersDir is the directory polaris-go's process-wide loggers were pointed to.
var (
	loggersMu  sync.Mutex
	loggersDir string
)

// setLoggersDir points polaris-go's loggers (global to the process) to dir, once
// per distinct dir, at level warn: at info, polaris-go writes its whole
// configuration, the server token included, when an SDK context starts.
func setLoggersDir(dir string) error {
	loggersMu.Lock()
	defer loggersMu.Unlock()
	if loggersDir == dir {
		return nil
	}
	if err := api.SetLoggersDir(dir); err != nil {
		return err
	}
	if err := api.SetLoggersLevel(api.WarnLog); err != nil {
		return err
	}
	loggersDir = dir
	return nil
}

// sdk is what the driver keeps per set of servers and token: the resolvers'
// connection to the servers' naming API (discover.go) and, made only when dtm
// registers, one polaris-go SDK context for the registration.
type sdk struct {
	sc  serverConfig
	dir string // for polaris-go's files

	mu        sync.Mutex
	closed    bool
	resolvers map[*polarisResolver]struct{}
	ctx       api.SDKContext // nil until providerAPI
	provider  api.ProviderAPI

	discMu sync.Mutex
	disc   *discoverConn // the resolvers' connection, made on first use
}

// sdkFor returns the sdk for sc, creating it on first use. It connects to
// nothing yet.
func (d *driver) sdkFor(sc serverConfig) (*sdk, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.sdks[sc.key()]; ok {
		return s, nil
	}
	s := &sdk{sc: sc, dir: d.dirLocked(), resolvers: map[*polarisResolver]struct{}{}}
	d.sdks[sc.key()] = s
	return s, nil
}

// providerAPI returns the provider API of s's polaris-go SDK context, creating
// the context on first use.
func (s *sdk) providerAPI() (api.ProviderAPI, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errClosed
	}
	if s.ctx != nil {
		return s.provider, nil
	}
	ctx, err := newPolarisGo(s.sc, s.dir)
	if err != nil {
		return nil, err
	}
	s.ctx, s.provider = ctx, api.NewProviderAPIByContext(ctx)
	return s.provider, nil
}

var errClosed = errors.New("polaris: driver closed")

// newPolarisGo creates a polaris-go SDK context for sc, its files under dir.
func newPolarisGo(sc serverConfig, dir string) (api.SDKContext, error) {
	sub := filepath.Join(dir, "cache", cacheName(sc.addrs))
	if err := os.MkdirAll(sub, 0o755); err != nil {
		return nil, fmt.Errorf("polaris: directory for polaris-go's files: %w", err)
	}
	if err := setLoggersDir(filepath.Join(dir, "log")); err != nil {
		return nil, fmt.Errorf("polaris: polaris-go logs in %s: %w", dir, err)
	}
	cfg := config.NewDefaultConfiguration(slices.Clone(sc.addrs))
	if sc.token != "" {
		cfg.GetGlobal().GetServerConnector().SetToken(sc.token)
	}
	cfg.GetConsumer().GetLocalCache().SetPersistDir(filepath.Join(sub, "backup"))
	cfg.GetConfigFile().GetLocalCache().SetPersistDir(filepath.Join(sub, "config"))
	// Off what the driver does not use, and what outlives Destroy in polaris-go
	// v1.6.1: the stat reporter (a Prometheus HTTP listener on a port of its
	// own, whose goroutines never stop), circuit breaking (gRPC does the load
	// balancing), the configuration center.
	cfg.GetGlobal().GetStatReporter().SetEnable(false)
	cfg.GetConsumer().GetCircuitBreaker().SetEnable(false)
	cfg.GetConfigFile().SetEnable(false)
	ctx, err := polarisgo.NewSDKContextByConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("polaris: polaris-go SDK for %s: %w", dtmdriver.Quote(strings.Join(sc.addrs, ",")), err)
	}
	return ctx, nil
}

// cacheName makes a directory name of a server list.
func cacheName(addrs []string) string {
	return strings.Map(func(r rune) rune {
		if r == ':' || r == ',' || r == '[' || r == ']' || r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, strings.Join(addrs, ","))
}

// close stops the resolvers on s, closes their connection and destroys the
// polaris-go SDK context, if any. Resolvers keep the addresses they last
// reported.
func (s *sdk) close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	resolvers := make([]*polarisResolver, 0, len(s.resolvers))
	for r := range s.resolvers {
		resolvers = append(resolvers, r)
	}
	ctx := s.ctx
	s.mu.Unlock()
	for _, r := range resolvers {
		r.stop()
	}
	s.closeDiscover()
	if ctx != nil {
		ctx.Destroy()
		stopBreakerWorkers(ctx)
	}
}

// addResolver records r, so that close stops it. It reports false once s is
// closed.
func (s *sdk) addResolver(r *polarisResolver) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.resolvers[r] = struct{}{}
	return true
}

func (s *sdk) removeResolver(r *polarisResolver) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.resolvers, r)
}
