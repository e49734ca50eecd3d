package polaris

import (
	"errors"
	"log/slog"
	"sync"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

const (
	// DriverName is the name dtm's MicroService.Driver and dtmdriver.Use take.
	DriverName = "dtm-driver-polaris"
	// Scheme is the URI scheme of branch URIs, gRPC targets and registration
	// targets for this driver; grpc-go-polaris uses the same one.
	Scheme = "polaris"

	prefix = Scheme + "://"

	// DefaultNamespace is the Polaris namespace used when a URI names none.
	DefaultNamespace = "default"
)

// driver resolves through polaris-go and registers dtm in Polaris. It keeps one
// polaris-go SDK context per set of server addresses and token, created on first
// use and destroyed by Close.
type driver struct {
	mu       sync.Mutex
	explicit *serverConfig // from Configure: wins over everything
	target   *serverConfig // from the last RegisterGrpcService target
	sdks     map[string]*sdk
	regs     []*registration
	opts     Config // Dir and RefreshInterval from Configure
	log      *slog.Logger
	http     dtmdriver.HTTPWatches // HTTP services' watches (http.go)
}

var (
	_ dtmdriver.Driver    = (*driver)(nil)
	_ dtmdriver.Closer    = (*driver)(nil)
	_ dtmdriver.Describer = (*driver)(nil)
)

// std is the driver the package registers.
var std = newDriver()

// init only registers: no dialing, no configuration reading.
func init() { dtmdriver.Register(std) }

func newDriver() *driver {
	return &driver{sdks: map[string]*sdk{}, log: slog.Default().With("driver", DriverName)}
}

func (*driver) GetName() string { return DriverName }

// RegisterGrpcResolver makes the "polaris" scheme known to gRPC.
func (d *driver) RegisterGrpcResolver() { registerResolver(d) }

// Close stops dtm's heartbeats and deregisters it, stops every resolver's watch
// (they keep their last addresses) and destroys the polaris-go SDK contexts. It is
// idempotent; the driver can be used again afterwards and connects anew.
func (d *driver) Close() error {
	d.http.Close()
	d.mu.Lock()
	regs, sdks := d.regs, d.sdks
	d.regs, d.sdks = nil, map[string]*sdk{}
	d.mu.Unlock()

	var errs []error
	for _, r := range regs {
		if err := r.close(); err != nil {
			errs = append(errs, err)
		}
	}
	for _, s := range sdks {
		s.close()
	}
	return errors.Join(errs...)
}

// Describe tells which scheme the driver owns and which forms it accepts.
func (*driver) Describe() dtmdriver.Description {
	return dtmdriver.Description{
		Schemes:     []string{Scheme},
		BranchForms: []string{string(branchForm)},
		TargetForm:  string(targetForm),
		HTTPForms:   []string{string(httpForm)},
	}
}
