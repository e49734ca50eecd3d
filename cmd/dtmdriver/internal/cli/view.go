package cli

import (
	"cmp"
	"context"
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

	polaris "github.com/dtmdrivers/drivers/driver-polaris"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/hashicorp/consul/api"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// RegistryView is what a registry's own API lists for a service, beside what
// the driver's resolver gives gRPC: every instance with its health and
// metadata, in rotation or not.
type RegistryView struct {
	// Registry is "consul", "etcd" or "polaris".
	Registry string `json:"registry"`
	// Servers are the registry addresses asked.
	Servers []string `json:"servers"`
	// Service is the Consul service or the etcd key (instances are under "<key>/").
	Service   string     `json:"service"`
	Instances []Instance `json:"instances"`
	Error     string     `json:"error,omitempty"`
}

// Instance is one registered instance.
type Instance struct {
	Addr string `json:"addr"`
	// ID is Consul's service ID, the etcd key or Polaris' instance ID.
	ID string `json:"id"`
	// Health is Consul's aggregated check status (passing, warning, critical,
	// maintenance), "lease ttl 9s" for an etcd key, or Polaris' "healthy" or
	// "unhealthy", with ", isolated" for an isolated instance.
	Health   string            `json:"health"`
	Tags     []string          `json:"tags,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`
	// Weight and Protocol are Polaris' (Consul's weights are not shown).
	Weight   int    `json:"weight,omitempty"`
	Protocol string `json:"protocol,omitempty"`
	// Failing are the instance's Consul checks that do not pass, with what
	// they said.
	Failing []FailingCheck `json:"failing,omitempty"`
}

// FailingCheck is a Consul health check that does not pass.
type FailingCheck struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Output string `json:"output"`
}

// registryAccess is how a view reaches a registry: the credentials of a dtm
// configuration (check) or of the environment the drivers read (resolve).
type registryAccess struct {
	user, password string // etcd
	token          string // consul
	tls            etcdTLS
}

type etcdTLS struct {
	certFile, keyFile, caFile string
	insecureSkipVerify        bool
}

func (t etcdTLS) set() bool { return t.certFile != "" || t.keyFile != "" || t.caFile != "" }

// secrets returns the credentials of a, to scrub from anything printed.
func (a registryAccess) secrets() []string {
	var s []string
	for _, v := range []string{a.password, a.token} {
		if v != "" {
			// As written in a target, too.
			s = append(s, v, url.QueryEscape(v), url.PathEscape(v))
		}
	}
	return s
}

// scrub replaces every secret in s by xxxxx: registry client libraries write
// their own errors, which the CLI prints.
func scrub(s string, secrets ...string) string {
	for _, v := range secrets {
		if len(v) >= 3 {
			s = strings.ReplaceAll(s, v, "xxxxx")
		}
	}
	return s
}

// viewFor returns the registry view of server, the server part of a branch
// URI, for the registries the CLI reads directly (Consul, etcd, Polaris), or
// nil.
func viewFor(ctx context.Context, server string, access registryAccess) *RegistryView {
	switch dtmdriver.Scheme(server) {
	case "consul":
		agent, service, tags, dc, err := parseConsulServer(server)
		if err != nil {
			return &RegistryView{Registry: "consul", Servers: []string{}, Instances: []Instance{}, Error: err.Error()}
		}
		return consulView(ctx, agent, service, tags, dc, access)
	case "etcd", "discov":
		hosts, key, err := parseEtcdServer(server)
		if err != nil {
			return &RegistryView{Registry: "etcd", Servers: []string{}, Instances: []Instance{}, Error: err.Error()}
		}
		return etcdView(ctx, hosts, key, access)
	case "polaris":
		namespace, service, ok := parsePolarisServer(server)
		if !ok {
			return nil // the options= form: the resolver's answer only
		}
		// The servers and token of a client app: DTM_POLARIS_ADDRESSES, DTM_POLARIS_TOKEN.
		return polarisView(ctx, polaris.Config{}, namespace, service)
	}
	return nil
}

// parsePolarisServer reads polaris://service[?namespace=ns&metadata.k=v]; ok
// is false for the options=<base64 JSON> form, which it does not read.
func parsePolarisServer(server string) (namespace, service string, ok bool) {
	rest := strings.TrimPrefix(server, "polaris://")
	service, query, _ := strings.Cut(rest, "?")
	q, err := url.ParseQuery(query)
	if err != nil || q.Has("options") {
		return "", "", false
	}
	return cmp.Or(q.Get("namespace"), polaris.DefaultNamespace), strings.Trim(service, "/"), true
}

// polarisView lists every instance of namespace/service, healthy or not,
// isolated or not, from the servers of c (the environment's when c names
// none), through the naming API the driver's resolvers read.
func polarisView(ctx context.Context, c polaris.Config, namespace, service string) *RegistryView {
	servers := c.Addresses
	if len(servers) == 0 {
		servers = strings.FieldsFunc(os.Getenv(polaris.EnvAddresses), func(r rune) bool { return r == ',' })
	}
	secrets := registryAccess{token: cmp.Or(c.Token, os.Getenv(polaris.EnvToken))}.secrets()
	v := &RegistryView{Registry: "polaris", Servers: append([]string{}, servers...), Service: namespace + "/" + service, Instances: []Instance{}}
	list, err := polaris.ListInstances(ctx, c, namespace, service)
	if err != nil {
		v.Error = scrub(err.Error(), secrets...)
		return v
	}
	for _, in := range list {
		health := "unhealthy"
		if in.Healthy {
			health = "healthy"
		}
		if in.Isolated {
			health += ", isolated"
		}
		v.Instances = append(v.Instances, Instance{Addr: net.JoinHostPort(in.Host, strconv.Itoa(in.Port)), ID: in.ID,
			Health: health, Metadata: in.Metadata, Weight: in.Weight, Protocol: in.Protocol})
	}
	return v
}

// parseConsulServer reads consul://agent/service?tag=t&dc=d (the agent may be
// empty: the configured one).
func parseConsulServer(server string) (agent, service string, tags []string, dc string, err error) {
	rest := strings.TrimPrefix(server, "consul://")
	rest, query, _ := strings.Cut(rest, "?")
	agent, service, _ = strings.Cut(rest, "/")
	service = strings.Trim(service, "/")
	if service == "" || strings.Contains(service, "/") {
		return "", "", nil, "", fmt.Errorf("consul server %s: want consul://agent:8500/service", dtmdriver.Quote(server))
	}
	q, perr := url.ParseQuery(query)
	if perr != nil {
		return "", "", nil, "", fmt.Errorf("consul server %s: bad query", dtmdriver.Quote(server))
	}
	dc = q.Get("dc")
	if dc == "" {
		dc = q.Get("datacenter")
	}
	return agent, service, q["tag"], dc, nil
}

// consulView lists every instance of service on the agent (the environment's
// CONSUL_HTTP_ADDR when agent is empty) from the health API.
func consulView(ctx context.Context, agent, service string, tags []string, dc string, access registryAccess) *RegistryView {
	cfg := api.DefaultConfig()
	if agent != "" {
		cfg.Address = agent
	}
	if access.token != "" {
		cfg.Token, cfg.TokenFile = access.token, ""
	}
	v := &RegistryView{Registry: "consul", Servers: []string{cfg.Address}, Service: service, Instances: []Instance{}}
	client, err := api.NewClient(cfg)
	if err != nil {
		v.Error = scrub(fmt.Sprintf("consul API client: %v", err), access.secrets()...)
		return v
	}
	defer cfg.Transport.CloseIdleConnections()
	q := (&api.QueryOptions{Datacenter: dc}).WithContext(ctx)
	entries, meta, err := client.Health().ServiceMultipleTags(service, tags, false, q)
	if err != nil {
		v.Error = scrub(describeConsulError(err, cfg.Address, service, access.token != ""), access.secrets()...)
		return v
	}
	for _, e := range entries {
		in := Instance{ID: e.Service.ID, Health: e.Checks.AggregatedStatus(), Tags: e.Service.Tags, Metadata: e.Service.Meta}
		for _, hc := range e.Checks {
			if hc.Status != api.HealthPassing {
				out := strings.TrimSpace(hc.Output)
				if len(out) > 300 {
					out = out[:300] + "…"
				}
				in.Failing = append(in.Failing, FailingCheck{Name: hc.Name, Status: hc.Status, Output: scrub(out, access.secrets()...)})
			}
		}
		switch {
		case e.Service.TaggedAddresses["grpc"].Address != "":
			ta := e.Service.TaggedAddresses["grpc"]
			in.Addr = net.JoinHostPort(strings.TrimPrefix(ta.Address, "grpc://"), strconv.Itoa(ta.Port))
		case e.Service.Address != "":
			in.Addr = net.JoinHostPort(e.Service.Address, strconv.Itoa(e.Service.Port))
		default:
			in.Addr = net.JoinHostPort(e.Node.Address, strconv.Itoa(e.Service.Port))
		}
		v.Instances = append(v.Instances, in)
	}
	slices.SortFunc(v.Instances, func(a, b Instance) int { return strings.Compare(a.Addr, b.Addr) })
	if len(entries) == 0 && meta != nil && meta.ResultsFilteredByACLs {
		v.Error = "the agent's ACLs filtered the answer: the ACL token lacks service:read on " + dtmdriver.Quote(service)
	}
	return v
}

func describeConsulError(err error, agent, service string, withToken bool) string {
	var se api.StatusError
	if errors.As(err, &se) && se.Code == 403 {
		if withToken {
			return fmt.Sprintf("consul agent %s refused the ACL token for service %s (403): %v", agent, dtmdriver.Quote(service), err)
		}
		return fmt.Sprintf("consul agent %s refused the request for service %s (403): the agent enforces ACLs and no token was sent "+
			"(CONSUL_HTTP_TOKEN, or token= in dtm's registration target)", agent, dtmdriver.Quote(service))
	}
	return fmt.Sprintf("consul agent %s, service %s: %v", agent, dtmdriver.Quote(service), err)
}

// parseEtcdServer reads go-zero's etcd forms: etcd://h1,h2/key and
// etcd:///h1,h2?key=key (discov:// alike).
func parseEtcdServer(server string) (hosts []string, key string, err error) {
	scheme := dtmdriver.Scheme(server)
	rest := strings.TrimPrefix(server, scheme+"://")
	rest, query, _ := strings.Cut(rest, "?")
	authority, path, _ := strings.Cut(rest, "/")
	list := authority
	if authority == "" {
		list, key = path, ""
		q, perr := url.ParseQuery(query)
		if perr != nil {
			return nil, "", fmt.Errorf("etcd server %s: bad query", dtmdriver.Quote(server))
		}
		key = q.Get("key")
	} else {
		key = path
	}
	hosts = strings.FieldsFunc(list, func(r rune) bool { return r == ',' })
	if len(hosts) == 0 || key == "" {
		return nil, "", fmt.Errorf("etcd server %s: want %s://host:port[,host:port]/key or %s:///host:port[,host:port]?key=key",
			dtmdriver.Quote(server), scheme, scheme)
	}
	return hosts, key, nil
}

// etcdView lists the keys under "<key>/" (go-zero's layout: one key per
// instance, "<key>/<lease id>", holding its address) with their leases' TTL.
func etcdView(ctx context.Context, hosts []string, key string, access registryAccess) *RegistryView {
	v := &RegistryView{Registry: "etcd", Servers: hosts, Service: key, Instances: []Instance{}}
	fail := func(format string, a ...any) *RegistryView {
		v.Error = scrub(fmt.Sprintf(format, a...), access.secrets()...)
		return v
	}
	cfg := clientv3.Config{
		Endpoints:   hosts,
		Username:    access.user,
		Password:    access.password,
		DialTimeout: 3 * time.Second,
		Logger:      zap.NewNop(),
		Context:     ctx,
	}
	if access.tls.set() {
		tc, err := access.tls.config()
		if err != nil {
			return fail("etcd TLS: %v", err)
		}
		cfg.TLS = tc
	}
	// With a user, the client authenticates while it connects: bound it.
	client, err := clientv3.New(cfg)
	if err != nil {
		return fail("etcd %s: %v", strings.Join(hosts, ","), err)
	}
	defer client.Close()
	resp, err := client.Get(ctx, key+"/", clientv3.WithPrefix())
	if err != nil {
		return fail("etcd %s: reading the keys under %s: %v", strings.Join(hosts, ","), dtmdriver.Quote(key+"/"), err)
	}
	for _, kv := range resp.Kvs {
		in := Instance{Addr: string(kv.Value), ID: string(kv.Key), Health: "no lease"}
		if kv.Lease != 0 {
			in.Metadata = map[string]string{"lease": strconv.FormatInt(kv.Lease, 16)}
			if ttl, err := client.TimeToLive(ctx, clientv3.LeaseID(kv.Lease)); err == nil {
				in.Health = fmt.Sprintf("lease ttl %ds", ttl.TTL)
			} else {
				in.Health = "lease ttl unknown"
			}
		}
		v.Instances = append(v.Instances, in)
	}
	return v
}

func (t etcdTLS) config() (*tls.Config, error) {
	if t.certFile == "" || t.keyFile == "" || t.caFile == "" {
		return nil, errors.New("certFile, certKeyFile and caCertFile go together: all three or none")
	}
	cert, err := tls.LoadX509KeyPair(t.certFile, t.keyFile)
	if err != nil {
		return nil, fmt.Errorf("client certificate: %w", err)
	}
	ca, err := os.ReadFile(t.caFile)
	if err != nil {
		return nil, fmt.Errorf("CA certificate: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("CA certificate %s holds no PEM certificate", t.caFile)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, InsecureSkipVerify: t.insecureSkipVerify, MinVersion: tls.VersionTLS12}, nil
}
