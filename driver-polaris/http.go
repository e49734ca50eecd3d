package polaris

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/polarismesh/polaris-go/pkg/model"
)

// httpForm is the HTTP URL form: the service with its options after ';', then
// the path and query sent unchanged. The Polaris servers are the driver's
// (Configure, dtm's registration target, DTM_POLARIS_ADDRESSES), as for gRPC.
const httpForm dtmdriver.URIForm = "polaris://service[;namespace=ns][;metadata.key=value]/path[?query]"

var (
	_ dtmdriver.HTTPResolver  = (*driver)(nil)
	_ dtmdriver.HTTPRegistrar = (*driver)(nil)
)

// ResolveHTTP rewrites "polaris://busi-http;namespace=ns/api/busi/TransOut?x"
// to "http://ip:port/api/busi/TransOut?x", taking in turn the service's
// healthy, non-isolated instances that carry the wanted metadata and whose
// protocol is http or https (the scheme) or unset (http); instances of
// protocol grpc are skipped. A URL without the polaris:// prefix is returned
// unchanged with ok false, without allocating. Each service is read as the
// gRPC resolver reads its own (the server's Discover stream every
// RefreshInterval, with the last revision), keeping the last known instances
// while the server cannot be reached.
func (d *driver) ResolveHTTP(ctx context.Context, u string) (string, bool, error) {
	rest, ok := strings.CutPrefix(u, prefix)
	if !ok {
		return u, false, nil
	}
	key, tail := rest, ""
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		key, tail = rest[:i], rest[i:]
	}
	inst, err := d.http.Pick(ctx, key, httpSource{d})
	if err != nil {
		return "", true, err
	}
	return inst.Scheme + "://" + inst.Addr + tail, true, nil
}

// httpSource makes the watches of d's HTTP services.
type httpSource struct{ d *driver }

// httpService is what an HTTP URL's key ("service;options") names.
type httpService struct {
	key      model.ServiceKey
	metadata map[string]string
}

func parseHTTPKey(key string) (httpService, string) {
	name, opts, _ := strings.Cut(key, ";")
	s := httpService{key: model.ServiceKey{Namespace: DefaultNamespace, Service: name}}
	if reason := checkName("service name", name); reason != "" {
		return s, reason
	}
	for opts != "" {
		var opt string
		opt, opts, _ = strings.Cut(opts, ";")
		k, v, _ := strings.Cut(opt, "=")
		switch {
		case k == "namespace":
			if reason := checkName("namespace", v); reason != "" {
				return s, reason
			}
			s.key.Namespace = v
		case strings.HasPrefix(k, metaPrefix) && len(k) > len(metaPrefix):
			mk, err1 := url.QueryUnescape(k[len(metaPrefix):])
			mv, err2 := url.QueryUnescape(v)
			if err1 != nil || err2 != nil {
				return s, "bad percent-escape in option " + dtmdriver.Quote(k)
			}
			if s.metadata == nil {
				s.metadata = map[string]string{}
			}
			s.metadata[mk] = mv
		case dtmdriver.Redact("?"+k+"=x") != "?"+k+"=x":
			return s, "option " + dtmdriver.Quote(k) + " is a credential: URLs carry none " +
				"(set " + EnvToken + ", call Configure, or put it in dtm's registration target)"
		default:
			return s, "unknown option " + dtmdriver.Quote(k) + " (want namespace or " + metaPrefix + "<key>)"
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

// watchHTTP reads the service the way the gRPC resolvers do (discover.go):
// through the server's Discover stream every RefreshInterval with the last
// revision, retryRefresh after a failure.
func (d *driver) watchHTTP(s httpService) dtmdriver.HTTPWatchFunc {
	return func(ctx context.Context, update func([]dtmdriver.HTTPInstance, error)) {
		log := d.log.With("namespace", s.key.Namespace, "service", s.key.Service, "protocol", "http")
		disc := discoverer{key: s.key}
		defer disc.close()
		var (
			sk      *sdk
			last    []dtmdriver.HTTPInstance
			listed  bool
			failing bool
		)
		timer := time.NewTimer(0)
		defer timer.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
			wait := d.refreshInterval()
			insts, changed, err := d.readHTTP(s, &sk, &disc)
			switch {
			case err != nil:
				wait = retryRefresh
				if !failing {
					log.Warn("polaris: HTTP service lookup failed; keeping the last known instances", "err", err, "instances", len(last))
				}
				failing = true
				update(nil, err)
			case !changed:
				failing = false
			case !listed || !slices.Equal(insts, last):
				failing = false
				last, listed = insts, true
				update(insts, nil)
			default:
				failing = false
			}
			timer.Reset(wait)
		}
	}
}

// readHTTP reads the usable HTTP instances of s, getting the SDK context on
// first use. changed is false when the server holds what it answered last.
// A service the server does not know has no instances.
func (d *driver) readHTTP(s httpService, sk **sdk, disc *discoverer) (insts []dtmdriver.HTTPInstance, changed bool, err error) {
	if *sk == nil {
		sc, err := d.server()
		if err != nil {
			return nil, false, err
		}
		if *sk, err = d.sdkFor(sc); err != nil {
			return nil, false, err
		}
	}
	conn, err := (*sk).discoverConnOf()
	if err != nil {
		return nil, false, err
	}
	instances, changed, err := disc.fetch(conn)
	switch {
	case errors.Is(err, errNotFound):
		return []dtmdriver.HTTPInstance{}, changed, nil
	case err != nil:
		return nil, false, fmt.Errorf("polaris: HTTP service %s: %w", dtmdriver.Quote(s.key.Namespace+"/"+s.key.Service), err)
	case !changed:
		return nil, false, nil
	}
	return httpInstances(instances, s.metadata), true, nil
}

// httpInstances returns the sorted HTTP instances calls may go to.
func httpInstances(instances []model.Instance, want map[string]string) []dtmdriver.HTTPInstance {
	out := make([]dtmdriver.HTTPInstance, 0, len(instances))
	for _, in := range instances {
		if !in.IsHealthy() || in.IsIsolated() || !hasMetadata(in.GetMetadata(), want) {
			continue
		}
		var scheme string
		switch strings.ToLower(in.GetProtocol()) {
		case "http", "":
			scheme = "http"
		case "https":
			scheme = "https"
		default: // grpc, tcp, dubbo…: not an HTTP endpoint
			continue
		}
		out = append(out, dtmdriver.HTTPInstance{Scheme: scheme,
			Addr: net.JoinHostPort(in.GetHost(), strconv.Itoa(int(in.GetPort())))})
	}
	slices.SortFunc(out, func(a, b dtmdriver.HTTPInstance) int { return strings.Compare(a.Addr, b.Addr) })
	return slices.Compact(out)
}

// RegisterHTTPService registers dtm's HTTP endpoint (host:port) in Polaris
// beside its gRPC one, as an instance of protocol http: target is the
// registration target RegisterGrpcService takes; the service is its name with
// "-http" appended, or the target's http-service option. It is kept alive by
// heartbeats and withdrawn like the gRPC one (Close). An empty target is a
// no-op.
func (d *driver) RegisterHTTPService(target, endpoint string) error {
	if target == "" {
		return nil
	}
	t, err := parseRegistrationTarget(target)
	if err != nil {
		return err
	}
	name := t.httpService
	if name == "" {
		name = t.service + "-http"
	}
	return d.registerInstance(t, name, "http", endpoint)
}
