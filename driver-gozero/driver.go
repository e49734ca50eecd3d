package gozero

import (
	"context"
	"errors"
	"sync"

	"github.com/dtmdrivers/drivers/dtmdriver"
	zrpcresolver "github.com/zeromicro/go-zero/zrpc/resolver"
	"google.golang.org/grpc/resolver"
)

// DriverName is the driver's name, for dtm's MicroService.Driver and [dtmdriver.Use].
const DriverName = "dtm-driver-gozero"

// driver is the one value the package registers. Its state is the resolving
// configuration and dtm's registrations.
type driver struct {
	mu       sync.Mutex
	explicit *Config           // from Configure
	env      *Config           // from the environment, read on first need
	envErr   error             // why the environment is unusable
	targets  map[string]Config // account and TLS per etcd cluster, from registration targets
	prepared map[string]Config // the account and TLS go-zero has been given per cluster
	checked  map[string]bool   // clusters the resolver reached with its credentials
	regs     []*registration
}

var (
	_ dtmdriver.Driver    = (*driver)(nil)
	_ dtmdriver.Closer    = (*driver)(nil)
	_ dtmdriver.Describer = (*driver)(nil)
)

var std = newDriver()

func newDriver() *driver {
	return &driver{
		targets:  map[string]Config{},
		prepared: map[string]Config{},
		checked:  map[string]bool{},
	}
}

func init() {
	dtmdriver.Register(std)
}

func (*driver) GetName() string { return DriverName }

// RegisterGrpcResolver registers go-zero's zrpc resolvers (etcd, discov, direct,
// k8s) with gRPC, wrapped so that they balance as zrpc clients do (see
// balancedBuilder), and the etcd and discov ones so that they take the driver's
// account and TLS and fail with a clear error when etcd refuses them.
func (d *driver) RegisterGrpcResolver() {
	zrpcresolver.Register()
	for _, scheme := range []string{"etcd", "discov", "direct", "k8s"} {
		inner := resolver.Get(scheme)
		switch inner.(type) {
		case nil, balancedBuilder, *etcdBuilder:
			continue // absent, or wrapped already
		}
		var b resolver.Builder = balancedBuilder{inner}
		if scheme == "etcd" || scheme == "discov" {
			b = &etcdBuilder{inner: b, d: d}
		}
		resolver.Register(b)
	}
}

// Close withdraws every registration RegisterGrpcService made: it stops the
// keep-alives, revokes the leases (etcd deletes dtm's keys), checks that the keys
// are gone and closes the registrations' etcd clients, within a few seconds. It is
// safe to call more than once. It does not close the etcd clients of go-zero's
// resolvers, which go-zero keeps for the life of the process.
func (d *driver) Close() error {
	d.mu.Lock()
	regs := d.regs
	d.regs = nil
	d.mu.Unlock()
	if len(regs) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	var errs []error
	// Every lease first: two registrations may share a key (?id=).
	for _, r := range regs {
		errs = append(errs, r.stop(ctx))
	}
	for _, r := range regs {
		errs = append(errs, r.check(ctx))
		r.cli.Close()
	}
	return errors.Join(errs...)
}

// Describe tells which schemes the driver owns (go-zero's zrpc resolvers) and
// which forms it accepts.
func (*driver) Describe() dtmdriver.Description {
	return dtmdriver.Description{
		Schemes:     []string{"etcd", "discov", "direct", "k8s"},
		BranchForms: []string{string(etcdForm), string(directForm), string(k8sForm), string(plainForm)},
		TargetForm:  string(targetForm),
	}
}
