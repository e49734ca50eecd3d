package consul

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/hashicorp/consul/api"
)

const (
	// registerTimeout bounds each registration and deregistration request.
	registerTimeout = 10 * time.Second
	// keepWait is the wait time of the blocking query that watches dtm's
	// registration on the agent.
	keepWait = 30 * time.Second
)

// RegisterGrpcService registers dtm's gRPC endpoint (host:port) in Consul under
// the service named by target, "consul://agent:8500/dtmservice[?options]", with
// a health check on the endpoint and deregister-after-critical, and keeps the
// registration: if the agent loses it (a restart), it is registered again. An
// empty target is a no-op. [dtmdriver.Close] (or the driver's Close)
// deregisters.
//
// The token in the target, if any, is also the one the driver's resolvers send
// to the same agent.
func (d *driver) RegisterGrpcService(target, endpoint string) error {
	if target == "" {
		return nil
	}
	s, opts, err := parseRegistrationTarget(target)
	if err != nil {
		return err
	}
	host, port, err := dtmdriver.CheckEndpoint(endpoint)
	if err != nil {
		return fmt.Errorf("consul: registering %s: %w", dtmdriver.Quote(s.service), err)
	}
	client, cfg, err := agentClient(s.agent, opts.token, s.service)
	if err != nil {
		return err
	}
	r := newRegistration(client, cfg.Transport, s.service, host, port, endpoint, opts)
	return d.keep(r, cfg, opts)
}

// PlanRegistration reads target as RegisterGrpcService does, contacting
// nothing, and returns the agent and service dtm would go under, the
// registration's settings as they would apply (defaults included), and where
// RegisterHTTPService would publish dtm's HTTP endpoint. See
// [dtmdriver.Planner].
func (*driver) PlanRegistration(target string) ([]dtmdriver.Registration, error) {
	if target == "" {
		return nil, nil
	}
	s, opts, err := parseRegistrationTarget(target)
	if err != nil {
		return nil, err
	}
	servers := []string{}
	if s.agent != "" {
		servers = append(servers, s.agent)
	}
	options := map[string]string{
		"check":            opts.check,
		"interval":         opts.interval.String(),
		"timeout":          opts.timeout.String(),
		"deregister-after": opts.deregisterAfter.String(),
	}
	if len(opts.tags) > 0 {
		options["tags"] = strings.Join(opts.tags, ",")
	}
	if opts.id != "" {
		options["id"] = opts.id
	}
	// RegisterHTTPService checks dtm's HTTP endpoint over HTTP, and keeps
	// the target's ID for the gRPC instance.
	httpOptions := maps.Clone(options)
	httpOptions["check"] = "http"
	if opts.id != "" {
		httpOptions["id"] = opts.id + "-http"
	}
	return []dtmdriver.Registration{{
		Driver:      DriverName,
		Target:      dtmdriver.Redact(target),
		Registry:    "consul",
		Servers:     servers,
		Service:     s.service,
		Options:     options,
		ClientURI:   prefix + s.agent + "/" + s.service,
		HTTPService: cmp.Or(opts.httpService, s.service+"-http"),
		HTTPOptions: httpOptions,
		Credentials: dtmdriver.Credentials{Token: opts.token},
	}}, nil
}

// parseRegistrationTarget splits a registration target into its agent and service and
// its options.
func parseRegistrationTarget(target string) (server, registrationOptions, error) {
	rest, ok := strings.CutPrefix(target, prefix)
	if !ok {
		return server{}, registrationOptions{}, targetForm.Reject(target, "the registration target must start with "+prefix)
	}
	s, reason := splitServer(rest, true)
	if reason != "" {
		return server{}, registrationOptions{}, targetForm.Reject(target, reason)
	}
	opts, _ := parseRegistrationOptions(s.query)
	return s, opts, nil
}

// agentClient returns a Consul API client for agent (the environment's, as
// consul/api reads it, when empty) sending token, for registering service.
func agentClient(agent, token, service string) (*api.Client, *api.Config, error) {
	cfg := api.DefaultConfig()
	if scheme, _, ok := strings.Cut(cfg.Address, "://"); ok && scheme == "https" {
		cfg.Scheme = "https"
	}
	if agent != "" {
		cfg.Address = agent
	}
	if token != "" {
		cfg.Token, cfg.TokenFile = token, ""
	}
	client, err := api.NewClient(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("consul: registering %s: consul API client: %w", dtmdriver.Quote(service), err)
	}
	return client, cfg, nil
}

// keep registers r, starts the goroutine that keeps it, and remembers it for
// Close; the agent and token become the ones the driver's resolvers use.
func (d *driver) keep(r *registration, cfg *api.Config, opts registrationOptions) error {
	if err := r.register(context.Background()); err != nil {
		cfg.Transport.CloseIdleConnections()
		return err
	}
	r.start()
	d.mu.Lock()
	d.regs = append(d.regs, r)
	d.agent = &agentConf{addr: cfg.Address, token: opts.token}
	d.mu.Unlock()
	return nil
}

// registration is dtm's instance in Consul and the goroutine that keeps it.
type registration struct {
	client    *api.Client
	transport *http.Transport
	reg       *api.AgentServiceRegistration
	log       *slog.Logger
	ctx       context.Context
	cancel    context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
	err       error // of the deregistration
}

func newRegistration(client *api.Client, tr *http.Transport, service, host string, port int, endpoint string, o registrationOptions) *registration {
	id := o.id
	if id == "" {
		// One ID per service and endpoint (zero-contrib's form): a dtm that
		// restarts replaces its own instance instead of adding one.
		id = fmt.Sprintf("%s-%s-%d", service, host, port)
	}
	check := &api.AgentServiceCheck{
		CheckID:                        "service:" + id,
		Name:                           "dtm gRPC endpoint " + endpoint,
		Interval:                       o.interval.String(),
		Timeout:                        o.timeout.String(),
		DeregisterCriticalServiceAfter: o.deregisterAfter.String(),
		// dtm listens before it registers, so the instance starts in rotation
		// instead of waiting up to an interval for the first check.
		Status: api.HealthPassing,
	}
	if o.check == "grpc" {
		check.GRPC = endpoint
	} else {
		check.TCP = endpoint
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &registration{
		client:    client,
		transport: tr,
		reg: &api.AgentServiceRegistration{
			ID:      id,
			Name:    service,
			Tags:    o.tags,
			Meta:    map[string]string{"Protocol": "grpc"},
			Address: host,
			Port:    port,
			Check:   check,
		},
		log:    logger().With("service", service, "id", id),
		ctx:    ctx,
		cancel: cancel,
		done:   make(chan struct{}),
	}
}

func (r *registration) register(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, registerTimeout)
	defer cancel()
	opts := api.ServiceRegisterOpts{ReplaceExistingChecks: true}.WithContext(ctx)
	if err := r.client.Agent().ServiceRegisterOpts(r.reg, opts); err != nil {
		return r.explain("registering", err)
	}
	return nil
}

func (r *registration) explain(what string, err error) error {
	var se api.StatusError
	if errors.As(err, &se) && se.Code == http.StatusForbidden {
		return fmt.Errorf("consul: %s %s (ID %s): the agent refused the ACL token "+
			"(put one with service:write in the target's token option or CONSUL_HTTP_TOKEN): %w",
			what, dtmdriver.Quote(r.reg.Name), dtmdriver.Quote(r.reg.ID), err)
	}
	return fmt.Errorf("consul: %s %s (ID %s): %w", what, dtmdriver.Quote(r.reg.Name), dtmdriver.Quote(r.reg.ID), err)
}

func (r *registration) start() { go r.keep() }

// keep watches the instance on the agent with a blocking query and registers
// it again when the agent no longer knows it.
func (r *registration) keep() {
	defer close(r.done)
	var (
		hash    string
		failing bool
		backoff = minBackoff
	)
	for {
		reqCtx, cancel := context.WithTimeout(r.ctx, keepWait+keepWait/16+requestMargin)
		q := (&api.QueryOptions{WaitHash: hash, WaitTime: keepWait}).WithContext(reqCtx)
		_, meta, err := r.client.Agent().Service(r.reg.ID, q)
		cancel()
		if r.ctx.Err() != nil {
			return
		}
		var se api.StatusError
		switch {
		case err == nil:
			hash = meta.LastContentHash
			if failing {
				r.log.Info("consul: the agent answers again; registration in place")
			}
			failing, backoff = false, minBackoff
			continue
		case errors.As(err, &se) && se.Code == http.StatusNotFound:
			hash = ""
			if err = r.register(r.ctx); err == nil {
				r.log.Info("consul: the agent had lost dtm's registration; registered again")
				failing, backoff = false, minBackoff
				continue
			}
			if r.ctx.Err() != nil {
				return
			}
		default:
			err = r.explain("watching", err)
		}
		if !failing {
			r.log.Warn("consul: cannot check dtm's registration; retrying with back-off", "error", err)
		}
		failing = true
		if !sleep(r.ctx, backoff) {
			return
		}
		backoff = min(2*backoff, defaultMaxBackoff)
	}
}

// close stops keep and deregisters; it returns the same error every time.
func (r *registration) close() error {
	r.closeOnce.Do(func() {
		r.cancel()
		<-r.done
		ctx, cancel := context.WithTimeout(context.Background(), registerTimeout)
		defer cancel()
		if err := r.client.Agent().ServiceDeregisterOpts(r.reg.ID, (&api.QueryOptions{}).WithContext(ctx)); err != nil {
			r.err = r.explain("deregistering", err)
		}
		r.transport.CloseIdleConnections()
	})
	return r.err
}
