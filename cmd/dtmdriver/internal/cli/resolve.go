package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	gozero "github.com/dtmdrivers/drivers/driver-gozero"
	"github.com/dtmdrivers/drivers/dtmdriver"
)

// ResolveResult is the output of `dtmdriver resolve -o json` (with -watch, its
// first line). URI, Target and Error are redacted.
type ResolveResult struct {
	URI    string `json:"uri"`
	Driver string `json:"driver,omitempty"`
	// Target is the server part of the URI: what dtm dials.
	Target string    `json:"target,omitempty"`
	Time   time.Time `json:"time"`
	// Addresses are what the driver's gRPC resolver gives gRPC now, sorted.
	Addresses []string `json:"addresses"`
	// Registry is the registry's own view of the service (Consul, etcd, Polaris).
	Registry *RegistryView `json:"registry,omitempty"`
	Error    string        `json:"error,omitempty"`
}

// WatchEvent is one change seen by `dtmdriver resolve -watch -o json`, one JSON
// object per line.
type WatchEvent struct {
	Time      time.Time `json:"time"`
	Addresses []string  `json:"addresses"`
	Added     []string  `json:"added"`
	Removed   []string  `json:"removed"`
	Error     string    `json:"error,omitempty"`
}

func resolveCommand() *command {
	return &command{
		name:    "resolve",
		args:    "URI",
		summary: "the live addresses a URI resolves to now, through the driver's gRPC resolver; -watch follows changes",
		details: `URI is a branch URI or its server part (as dtm's logs show it). The driver's
own resolver is built through gRPC's resolver registry, as dtm's gRPC client
builds it, and the addresses it reports are printed. For Consul and etcd the
registry's own view follows, as does Polaris': every instance with its
health (Consul checks, etcd lease TTL, Polaris health and isolation) and
metadata, in rotation or not.

Credentials come from the environment, as in a client app: CONSUL_HTTP_ADDR,
CONSUL_HTTP_TOKEN; DTM_GOZERO_ETCD_USER, DTM_GOZERO_ETCD_PASSWORD (and the
TLS variables); DTM_POLARIS_ADDRESSES, DTM_POLARIS_TOKEN.

It exits 1 when the resolver reports an error, gives no address (an empty
service), or says nothing within -timeout (an unreachable registry). With
-watch it prints each change with a timestamp until interrupted (exit 0).`,
		examples: []string{
			"dtmdriver resolve etcd://10.0.0.7:2379/trans.rpc/busi.Busi/TransIn",
			"CONSUL_HTTP_TOKEN=... dtmdriver resolve consul://127.0.0.1:8500/busi",
			"DTM_POLARIS_ADDRESSES=10.0.0.8:8091 dtmdriver resolve -watch polaris://busi?namespace=prod",
			"dtmdriver resolve -o json -timeout 2s etcd://10.0.0.7:2379/trans.rpc | jq -r '.addresses[]'",
		},
		flags: func(fs *flag.FlagSet) {
			fs.String("driver", "", "resolve as this driver does (default: by the URI's scheme)")
			fs.Duration("timeout", 10*time.Second, "how long to wait for the resolver's first answer and the registry (Polaris takes seconds to give its first instances)")
			fs.Bool("watch", false, "keep printing each change, with timestamps, until interrupted")
		},
		run: runResolve,
	}
}

// resolveServer returns the driver and the server part of uri, a branch URI or
// a server alone.
func resolveServer(uri, driverName string) (dtmdriver.Driver, string, error) {
	d, err := chooseDriver(uri, driverName)
	if err != nil {
		return nil, "", err
	}
	server, _, err := d.ParseServerMethod(uri)
	if err == nil {
		return d, server, nil
	}
	// A server alone: with a method appended, the driver takes it.
	if s, _, err2 := d.ParseServerMethod(uri + "/dtmdriver.Resolve/Server"); err2 == nil && s == uri {
		return d, s, nil
	}
	return d, "", err
}

func runResolve(ctx context.Context, c *call) int {
	if len(c.args) != 1 {
		return c.usageError("want one URI, got %d arguments", len(c.args))
	}
	uri := c.args[0]
	timeout := c.fs.Lookup("timeout").Value.(flag.Getter).Get().(time.Duration)
	watch := c.fs.Lookup("watch").Value.(flag.Getter).Get().(bool)
	if timeout <= 0 {
		return c.usageError("-timeout %v: want a positive duration", timeout)
	}
	res := ResolveResult{URI: dtmdriver.Redact(uri), Time: c.now().UTC(), Addresses: []string{}}
	d, server, err := resolveServer(uri, c.fs.Lookup("driver").Value.String())
	if d != nil {
		res.Driver = d.GetName()
	}
	if err != nil {
		res.Error = err.Error()
		return c.finishResolve(res, false)
	}
	res.Target = dtmdriver.Redact(server)
	access, err := envAccess()
	if err != nil {
		res.Error = err.Error()
		return c.finishResolve(res, false)
	}
	registerResolvers(d)

	rec := newRecorder(c.now)
	r, err := buildResolver(server, rec)
	if err != nil {
		res.Error = err.Error()
		return c.finishResolve(res, false)
	}
	defer r.Close()
	// The registry's own view, meanwhile: both are bounded by timeout.
	view := make(chan *RegistryView, 1)
	go func() {
		vctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		view <- viewFor(vctx, server, access)
	}()
	first, err := firstAnswer(ctx, rec, timeout)
	res.Time = first.at.UTC()
	if err != nil {
		res.Error = err.Error()
	} else {
		res.Addresses = first.addrs
	}
	res.Registry = <-view
	code := c.finishResolve(res, watch)
	if !watch {
		return code
	}
	c.watch(ctx, rec, res.Addresses)
	return ExitOK
}

// errEmpty is firstAnswer's error for a resolver that gives no address.
var errEmpty = errors.New("the resolver gives no address: the service has no registered (or no healthy) instance")

// firstAnswer waits for the resolver's first addresses until timeout. An
// error right after an empty state is the answer (Consul says why it has no
// instance); an error before any state may pass (Polaris' first lookup, etcd
// being checked), so it is the answer only if nothing better comes in time.
func firstAnswer(ctx context.Context, rec *recorder, timeout time.Duration) (update, error) {
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last update
	var lastErr error
	sawEmpty := false
	for {
		u, ok := rec.next(tctx.Done())
		switch {
		case !ok && ctx.Err() != nil:
			return update{at: rec.now()}, errors.New("interrupted before the resolver answered")
		case !ok && lastErr != nil:
			return last, lastErr
		case !ok && sawEmpty:
			return last, errEmpty
		case !ok:
			return update{at: rec.now()}, fmt.Errorf("the resolver gave no address and no error within %v: "+
				"the registry may be unreachable or slow (-timeout waits longer)", timeout)
		case u.err != nil && sawEmpty:
			return u, fmt.Errorf("no address: %w", u.err)
		case u.err != nil:
			last, lastErr = u, u.err
		case len(u.addrs) == 0:
			last, sawEmpty = u, true
		default:
			return u, nil
		}
	}
}

func (c *call) finishResolve(res ResolveResult, watch bool) int {
	code := ExitOK
	if res.Error != "" || len(res.Addresses) == 0 {
		code = ExitFailure
	}
	if c.json {
		if watch {
			c.emitLine(res)
		} else {
			c.emit(res)
		}
		return code
	}
	c.printf("uri:        %s\n", res.URI)
	if res.Driver != "" {
		c.printf("driver:     %s\n", res.Driver)
	}
	if res.Target != "" {
		c.printf("target:     %s\n", res.Target)
	}
	if res.Error != "" {
		c.printf("error:      %s\n", res.Error)
	}
	if res.Target != "" {
		c.printf("resolved:   %d address%s at %s\n", len(res.Addresses), plural(len(res.Addresses), "es"), res.Time.Format(time.RFC3339Nano))
		for _, a := range res.Addresses {
			c.printf("  %s\n", a)
		}
	}
	if v := res.Registry; v != nil {
		c.printView(v, res.Addresses, "")
	}
	return code
}

// printView prints a registry view, marking the instances in rotation.
func (c *call) printView(v *RegistryView, inRotation []string, indent string) {
	what := "service " + v.Service
	if v.Registry == "etcd" {
		what = "keys under " + v.Service + "/"
	}
	c.printf(indent+"registry:   %s %s, %s: %d instance%s\n", v.Registry, strings.Join(v.Servers, ","), what, len(v.Instances), plural(len(v.Instances), "s"))
	if v.Error != "" {
		c.printf(indent+"  error: %s\n", v.Error)
	}
	for _, in := range v.Instances {
		mark := "  "
		if inRotation != nil && slices.Contains(inRotation, in.Addr) {
			mark = "* "
		}
		line := fmt.Sprintf("%s%-21s %-18s id %s", mark, in.Addr, in.Health, in.ID)
		if in.Protocol != "" {
			line += " protocol " + in.Protocol
		}
		if in.Weight != 0 {
			line += " weight " + strconv.Itoa(in.Weight)
		}
		if len(in.Tags) > 0 {
			line += " tags " + strings.Join(in.Tags, ",")
		}
		if len(in.Metadata) > 0 {
			keys := make([]string, 0, len(in.Metadata))
			for k := range in.Metadata {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			var kv []string
			for _, k := range keys {
				kv = append(kv, k+"="+in.Metadata[k])
			}
			line += " meta " + strings.Join(kv, ",")
		}
		c.printf("%s%s\n", indent, line)
		for _, f := range in.Failing {
			if f.Output == "" {
				c.printf("%s      check %q %s\n", indent, f.Name, f.Status)
			} else {
				c.printf("%s      check %q %s: %s\n", indent, f.Name, f.Status, f.Output)
			}
		}
	}
	if slices.ContainsFunc(v.Instances, func(in Instance) bool { return slices.Contains(inRotation, in.Addr) }) {
		c.printf("%s  (* in rotation: given to gRPC by the resolver)\n", indent)
	}
}

// watch prints each change the resolver reports until ctx ends.
func (c *call) watch(ctx context.Context, rec *recorder, last []string) {
	if !c.json {
		c.printf("watching; interrupt to stop\n")
	}
	for {
		u, ok := rec.next(ctx.Done())
		if !ok {
			return
		}
		ev := WatchEvent{Time: u.at.UTC(), Addresses: last, Added: []string{}, Removed: []string{}}
		if u.err != nil {
			ev.Error = u.err.Error()
		} else {
			ev.Addresses = u.addrs
			for _, a := range u.addrs {
				if !slices.Contains(last, a) {
					ev.Added = append(ev.Added, a)
				}
			}
			for _, a := range last {
				if !slices.Contains(u.addrs, a) {
					ev.Removed = append(ev.Removed, a)
				}
			}
			if len(ev.Added) == 0 && len(ev.Removed) == 0 {
				continue
			}
			last = u.addrs
		}
		if c.json {
			c.emitLine(ev)
			continue
		}
		ts := ev.Time.Format(time.RFC3339Nano)
		if ev.Error != "" {
			c.printf("%s  error: %s\n", ts, ev.Error)
			continue
		}
		c.printf("%s  %d address%s", ts, len(ev.Addresses), plural(len(ev.Addresses), "es"))
		for _, a := range ev.Added {
			c.printf("  +%s", a)
		}
		for _, a := range ev.Removed {
			c.printf("  -%s", a)
		}
		c.printf("\n")
	}
}

// envAccess is the registry access of a client app: the environment the
// drivers read.
func envAccess() (registryAccess, error) {
	gz, err := gozero.ConfigFromEnv()
	if err != nil {
		return registryAccess{}, fmt.Errorf("etcd settings from the environment: %w", err)
	}
	return registryAccess{
		user: gz.User, password: gz.Password,
		tls: etcdTLS{certFile: gz.CertFile, keyFile: gz.CertKeyFile, caFile: gz.CACertFile, insecureSkipVerify: gz.InsecureSkipVerify},
	}, nil
}

func plural(n int, suffix string) string {
	if n == 1 {
		return ""
	}
	return suffix
}
