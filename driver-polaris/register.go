package polaris

import (
	"cmp"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/polarismesh/polaris-go/api"
	"github.com/polarismesh/polaris-go/pkg/model"
	"google.golang.org/protobuf/proto"
)

// RegisterGrpcService registers dtm's endpoint (host:port) in Polaris under the
// service the target names, with a heartbeat TTL, and keeps it alive until
// Close: "polaris://127.0.0.1:8091/dtmservice?namespace=default&token=…&ttl=5".
// The target's servers and token also become the ones resolvers use, unless
// [Configure] set others. An empty target does nothing.
func (d *driver) RegisterGrpcService(target, endpoint string) error {
	if target == "" {
		return nil
	}
	t, err := parseRegistrationTarget(target)
	if err != nil {
		return err
	}
	return d.registerInstance(t, t.service, "grpc", endpoint)
}

// PlanRegistration reads target as RegisterGrpcService does, contacting
// nothing, and returns the servers, namespace and service dtm would go under,
// its TTL and metadata (values redacted), where RegisterHTTPService would
// publish dtm's HTTP endpoint, and the URI clients dial. See
// [dtmdriver.Planner].
func (*driver) PlanRegistration(target string) ([]dtmdriver.Registration, error) {
	if target == "" {
		return nil, nil
	}
	t, err := parseRegistrationTarget(target)
	if err != nil {
		return nil, err
	}
	options := map[string]string{"ttl": strconv.Itoa(t.ttl) + "s"}
	for k, v := range t.metadata {
		options[metaPrefix+k] = dtmdriver.Redact(v)
	}
	client := prefix + t.service
	if t.ns != DefaultNamespace {
		client += "?namespace=" + t.ns
	}
	return []dtmdriver.Registration{{
		Driver:      DriverName,
		Target:      dtmdriver.Redact(target),
		Registry:    "polaris",
		Servers:     slices.Clone(t.server.addrs),
		Service:     t.service,
		Namespace:   t.ns,
		Options:     options,
		ClientURI:   client,
		HTTPService: cmp.Or(t.httpService, t.service+"-http"),
		Credentials: dtmdriver.Credentials{Token: t.server.token},
	}}, nil
}

// registerInstance registers endpoint (host:port) as an instance of service
// with protocol in the namespace, servers and token of t, with t's TTL and
// metadata, and keeps it alive until Close. The target's servers and token
// become the ones resolvers use, unless [Configure] set others; the polaris-go
// context is made on the first registration, gRPC or HTTP.
func (d *driver) registerInstance(t registrationTarget, service, protocol, endpoint string) error {
	host, port, err := dtmdriver.CheckEndpoint(endpoint)
	if err != nil {
		return fmt.Errorf("polaris: register in %s: %w", dtmdriver.Quote(t.ns+"/"+service), err)
	}
	d.mu.Lock()
	sc := t.server
	d.target = &sc
	d.mu.Unlock()
	s, err := d.sdkFor(t.server)
	if err != nil {
		return err
	}
	provider, err := s.providerAPI()
	if err != nil {
		return err
	}
	req := api.InstanceRegisterRequest{InstanceRegisterRequest: model.InstanceRegisterRequest{
		Service:      service,
		Namespace:    t.ns,
		Host:         host,
		Port:         port,
		ServiceToken: t.server.token,
		Protocol:     proto.String(protocol),
		Metadata:     t.metadata,
	}}
	req.SetTTL(t.ttl)
	reg := &registration{
		provider: provider,
		req:      req,
		ttl:      time.Duration(t.ttl) * time.Second,
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
		log:      d.log.With("namespace", t.ns, "service", service, "endpoint", endpoint),
	}
	if err := reg.register(); err != nil {
		return fmt.Errorf("polaris: register %s in %s: %w", dtmdriver.Quote(endpoint), dtmdriver.Quote(t.ns+"/"+service), err)
	}
	d.mu.Lock()
	d.regs = append(d.regs, reg)
	d.mu.Unlock()
	go reg.run()
	return nil
}

// registration is dtm's instance in Polaris, kept alive by heartbeats.
type registration struct {
	provider api.ProviderAPI
	req      api.InstanceRegisterRequest
	ttl      time.Duration
	log      *slog.Logger
	id       string

	quit, done chan struct{}
	once       sync.Once
}

func (r *registration) register() error {
	req := r.req // polaris-go fills in fields
	resp, err := r.provider.Register(&req)
	if err != nil {
		return err
	}
	r.id = resp.InstanceID
	return nil
}

// heartbeatsPerTTL is how many heartbeats go out per TTL, so that one lost
// heartbeat does not make dtm unhealthy.
const heartbeatsPerTTL = 2

// run sends heartbeats until close. A failed heartbeat (the server restarted
// without the instance, or lost it) registers the instance again.
func (r *registration) run() {
	defer close(r.done)
	tick := time.NewTicker(r.ttl / heartbeatsPerTTL)
	defer tick.Stop()
	failing := false
	for {
		select {
		case <-r.quit:
			return
		case <-tick.C:
		}
		err := r.provider.Heartbeat(&api.InstanceHeartbeatRequest{InstanceHeartbeatRequest: model.InstanceHeartbeatRequest{
			Service:      r.req.Service,
			Namespace:    r.req.Namespace,
			Host:         r.req.Host,
			Port:         r.req.Port,
			ServiceToken: r.req.ServiceToken,
			InstanceID:   r.id,
		}})
		if err == nil {
			if failing {
				r.log.Info("polaris: heartbeat restored")
				failing = false
			}
			continue
		}
		if !failing {
			r.log.Warn("polaris: heartbeat failed; registering again", "err", err)
			failing = true
		}
		select {
		case <-r.quit:
			return
		default:
		}
		if err := r.register(); err != nil {
			r.log.Debug("polaris: registering again failed", "err", err)
			continue
		}
		r.log.Info("polaris: registered again")
		failing = false
	}
}

// close stops the heartbeats, isolates the instance and deregisters it.
//
// The isolation comes first because of the Polaris standalone store: it deletes
// an instance without touching the modification time that the server's naming
// cache reads, so with the shipped configuration (cache.diffTime 5s) consumers
// never see the deregistration of a record older than 5 s. Registering the same
// instance again with isolate set is an update the cache does see (consumers
// skip isolated instances), and it makes the record recent, so that the
// deregistration right after it is seen too.
func (r *registration) close() error {
	r.once.Do(func() { close(r.quit) })
	<-r.done
	isolate := r.req // polaris-go fills in fields
	isolate.SetIsolate(true)
	_, isoErr := r.provider.Register(&isolate)
	err := r.provider.Deregister(&api.InstanceDeRegisterRequest{InstanceDeRegisterRequest: model.InstanceDeRegisterRequest{
		Service:      r.req.Service,
		Namespace:    r.req.Namespace,
		Host:         r.req.Host,
		Port:         r.req.Port,
		ServiceToken: r.req.ServiceToken,
		InstanceID:   r.id,
	}})
	switch {
	case err != nil:
		return fmt.Errorf("polaris: deregister %s:%d from %s: %w",
			dtmdriver.Quote(r.req.Host), r.req.Port, dtmdriver.Quote(r.req.Namespace+"/"+r.req.Service), err)
	case isoErr != nil:
		return fmt.Errorf("polaris: deregistered %s:%d from %s, but isolating it first failed, so consumers may "+
			"list it until the server's health check finds it unhealthy: %w",
			dtmdriver.Quote(r.req.Host), r.req.Port, dtmdriver.Quote(r.req.Namespace+"/"+r.req.Service), isoErr)
	}
	return nil
}
