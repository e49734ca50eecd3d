package consul

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/hashicorp/consul/api"
)

// httpForm is the HTTP URL form: the agent (empty for the configured one), the
// service with its options after ';', then the path and query sent unchanged.
const httpForm dtmdriver.URIForm = "consul://agent:port/service[;tag=t][;dc=dc]/path[?query] (or consul:///service/path for the configured agent)"

var (
	_ dtmdriver.HTTPResolver  = (*driver)(nil)
	_ dtmdriver.HTTPRegistrar = (*driver)(nil)
)

// ResolveHTTP rewrites "consul://agent:8500/busi-http;tag=v2/api/busi/TransOut?x"
// to "http://ip:port/api/busi/TransOut?x", taking the service's passing
// instances in turn; "https" when the instance says it is secure (meta
// secure=true, as Spring Cloud Consul writes it, or a tag secure=true). A URL
// without the consul:// prefix is returned unchanged with ok false, without
// allocating. The watch of each service is a blocking query on Consul's health
// endpoint, kept until Close, with the gRPC resolver's rules: passing checks
// only, last known instances while the agent cannot be reached.
func (d *driver) ResolveHTTP(ctx context.Context, url string) (string, bool, error) {
	rest, ok := strings.CutPrefix(url, prefix)
	if !ok {
		return url, false, nil
	}
	agent, after, ok := strings.Cut(rest, "/")
	if !ok {
		return "", true, httpForm.Reject(url, "no Consul service name after the agent address")
	}
	svc, tail := after, ""
	if i := strings.IndexAny(after, "/?"); i >= 0 {
		svc, tail = after[:i], after[i:]
	}
	key := rest[:len(agent)+1+len(svc)]
	inst, err := d.http.Pick(ctx, key, httpSource{d})
	if err != nil {
		return "", true, err
	}
	return inst.Scheme + "://" + inst.Addr + tail, true, nil
}

// httpSource makes the watches of d's HTTP services.
type httpSource struct{ d *driver }

// httpService is what an HTTP URL's key ("agent/service;options") names.
type httpService struct {
	agent, service, dc string
	tags               []string
}

// parseHTTPKey checks "agent/service[;tag=t][;dc=dc]".
func parseHTTPKey(key string) (httpService, string) {
	agent, seg, _ := strings.Cut(key, "/")
	name, opts, _ := strings.Cut(seg, ";")
	s := httpService{agent: agent, service: name}
	switch {
	case strings.IndexByte(agent, '@') >= 0:
		return s, "credentials do not belong in the URL: the ACL token comes from " + tokenSources
	case agent != "" && !dtmdriver.IsHostPort(agent):
		return s, "the agent address " + dtmdriver.Quote(agent) + " is not host:port"
	case name == "":
		return s, "no Consul service name after the agent address"
	}
	for opts != "" {
		var opt string
		opt, opts, _ = strings.Cut(opts, ";")
		k, v, _ := strings.Cut(opt, "=")
		switch {
		case k == "tag" && v != "":
			s.tags = append(s.tags, v)
		case k == "dc" && v != "":
			s.dc = v
		case k == "token":
			return s, "an ACL token does not belong in an HTTP URL (dtm stores and logs them): configure it in " + tokenSources
		default:
			return s, "option " + dtmdriver.Quote(k) + " after the service name is unknown or empty; known: tag, dc"
		}
	}
	return s, ""
}

func (h httpSource) HTTPWatch(key string) (dtmdriver.HTTPWatchFunc, error) {
	s, reason := parseHTTPKey(key)
	if reason != "" {
		return nil, httpForm.Reject(prefix+key, reason)
	}
	return h.d.watchHTTP(s), nil
}

// watchHTTP follows the passing instances of s with blocking queries.
func (d *driver) watchHTTP(s httpService) dtmdriver.HTTPWatchFunc {
	return func(ctx context.Context, update func([]dtmdriver.HTTPInstance, error)) {
		cfg := (&builder{drv: d}).apiConfig(s.agent)
		client, err := api.NewClient(cfg)
		if err != nil {
			update(nil, fmt.Errorf("consul: HTTP service %s: consul API client: %w", dtmdriver.Quote(s.service), err))
			<-ctx.Done()
			return
		}
		defer cfg.Transport.CloseIdleConnections()
		log := logger().With("service", s.service, "agent", cfg.Address)
		var (
			index   uint64
			last    []dtmdriver.HTTPInstance
			listed  bool
			failing bool
			backoff = minBackoff
		)
		for {
			reqCtx, cancel := context.WithTimeout(ctx, defaultWait+defaultWait/16+requestMargin)
			q := (&api.QueryOptions{WaitIndex: index, WaitTime: defaultWait, Datacenter: s.dc}).WithContext(reqCtx)
			entries, meta, err := client.Health().ServiceMultipleTags(s.service, s.tags, true, q)
			cancel()
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				err = fmt.Errorf("consul: HTTP service %s on %s: %w", dtmdriver.Quote(s.service), dtmdriver.Quote(cfg.Address), err)
				if !failing {
					log.Warn("consul: HTTP service query failed; keeping the last known instances, retrying with back-off",
						"error", err, "instances", len(last))
				}
				failing, index = true, 0
				update(nil, err)
				if !sleep(ctx, backoff) {
					return
				}
				backoff = min(2*backoff, defaultMaxBackoff)
				continue
			}
			failing, backoff = false, minBackoff
			switch {
			case meta.LastIndex < index:
				index = 0
			case meta.LastIndex == 0:
				index = 1
			default:
				index = meta.LastIndex
			}
			insts := httpInstances(entries)
			if listed && slices.Equal(insts, last) {
				continue
			}
			last, listed = insts, true
			log.Debug("consul: HTTP instances", "instances", insts)
			update(insts, nil)
		}
	}
}

// httpInstances turns health entries into sorted HTTP instances, skipping the
// ones registered as gRPC (meta Protocol=grpc, as dtm's own registration).
func httpInstances(entries []*api.ServiceEntry) []dtmdriver.HTTPInstance {
	out := make([]dtmdriver.HTTPInstance, 0, len(entries))
	for _, e := range entries {
		s := e.Service
		if s == nil || s.Port <= 0 || strings.EqualFold(s.Meta["Protocol"], "grpc") {
			continue
		}
		host := s.Address
		if host == "" && e.Node != nil {
			host = e.Node.Address
		}
		if host == "" {
			continue
		}
		scheme := "http"
		if s.Meta["secure"] == "true" || slices.Contains(s.Tags, "secure=true") {
			scheme = "https"
		}
		out = append(out, dtmdriver.HTTPInstance{Scheme: scheme, Addr: net.JoinHostPort(host, strconv.Itoa(s.Port))})
	}
	slices.SortFunc(out, func(a, b dtmdriver.HTTPInstance) int { return strings.Compare(a.Addr, b.Addr) })
	return slices.Compact(out)
}

// dtmPingPath is the endpoint of dtm v1.19.0's HTTP API that answers when dtm
// is up (dtmutil.GetGinApp: /api/ping, {"msg":"pong"}).
const dtmPingPath = "/api/ping"

// RegisterHTTPService registers dtm's HTTP endpoint (host:port) in Consul
// beside its gRPC one: target is the registration target RegisterGrpcService
// takes; the service is its name with "-http" appended, or the target's
// http-service option. The instance carries meta Protocol=http and an HTTP
// check on dtm's /api/ping. It is kept and withdrawn like the gRPC one (Close).
// An empty target is a no-op.
func (d *driver) RegisterHTTPService(target, endpoint string) error {
	if target == "" {
		return nil
	}
	s, opts, err := parseRegistrationTarget(target)
	if err != nil {
		return err
	}
	name := opts.httpService
	if name == "" {
		name = s.service + "-http"
	}
	host, port, err := dtmdriver.CheckEndpoint(endpoint)
	if err != nil {
		return fmt.Errorf("consul: registering %s: %w", dtmdriver.Quote(name), err)
	}
	client, cfg, err := agentClient(s.agent, opts.token, name)
	if err != nil {
		return err
	}
	if opts.id != "" {
		opts.id += "-http" // the gRPC instance keeps the ID as given
	}
	r := newRegistration(client, cfg.Transport, name, host, port, endpoint, opts)
	r.reg.Meta = map[string]string{"Protocol": "http"}
	r.reg.Check.TCP, r.reg.Check.GRPC = "", ""
	r.reg.Check.HTTP = "http://" + endpoint + dtmPingPath
	r.reg.Check.Name = "dtm HTTP endpoint " + endpoint
	return d.keep(r, cfg, opts)
}
