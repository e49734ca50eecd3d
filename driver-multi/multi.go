package multi

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// DriverName is the name dtm's MicroService.Driver and dtmdriver.Use take.
const DriverName = "dtm-driver-multi"

// driver routes to the drivers registered in dtmdriver; its routing table is
// built once, at the first routing call.
type driver struct {
	table func() (*table, error) // sync.OnceValues: built once, from the registry
	cache *dtmdriver.ParseCache  // splits of the URIs seen again and again

	mu         sync.Mutex
	registered []dtmdriver.Driver // drivers holding a registration of dtm, in order
}

var (
	_ dtmdriver.Driver        = (*driver)(nil)
	_ dtmdriver.Closer        = (*driver)(nil)
	_ dtmdriver.Describer     = (*driver)(nil)
	_ dtmdriver.HTTPResolver  = (*driver)(nil)
	_ dtmdriver.HTTPRegistrar = (*driver)(nil)
)

// std is the driver the package registers.
var std = newDriver(registered)

// init only registers: no dialing, no configuration reading.
func init() { dtmdriver.Register(std) }

func newDriver(drivers func() []dtmdriver.Driver) *driver {
	d := &driver{table: sync.OnceValues(func() (*table, error) {
		t, err := buildTable(drivers())
		if err == nil && dtmdriver.GetDriver().GetName() == DriverName {
			t.registerResolvers()
		}
		return t, err
	})}
	d.cache = dtmdriver.NewParseCache(d.parse)
	return d
}

// registered returns every driver registered in dtmdriver but this one.
func registered() []dtmdriver.Driver {
	var ds []dtmdriver.Driver
	for _, name := range dtmdriver.Drivers() {
		if name == DriverName {
			continue
		}
		if d, ok := dtmdriver.Lookup(name); ok {
			ds = append(ds, d)
		}
	}
	return ds
}

func (*driver) GetName() string { return DriverName }

// RegisterGrpcResolver registers the gRPC resolvers of every driver registered
// so far that the composite routes to, through dtmdriver.RegisterResolvers
// (once per process, without selecting them), and logs a scheme claimed by two
// of them. The routing table itself is built at the first routing call, from
// every driver registered by then, and registers the resolvers of drivers
// registered after Use: a "use" package's init may run before the init of a
// driver package whose import path sorts after it.
func (d *driver) RegisterGrpcResolver() {
	t, err := buildTable(registered())
	if err != nil {
		slog.Error("dtmdriver: composite driver cannot route", "driver", DriverName, "err", err)
		return
	}
	t.registerResolvers()
}

// ParseServerMethod hands uri to the driver that owns its scheme, or to the
// default driver when it has none. A URI seen again is answered from the
// composite's own dtmdriver.ParseCache, as the drivers answer theirs, so that
// routing costs nothing on dtm's hot path: the split depends on the URI alone
// (the routing table does not change once built).
func (d *driver) ParseServerMethod(uri string) (server, method string, err error) {
	return d.cache.ParseServerMethod(uri)
}

// parse is ParseServerMethod without the cache.
func (d *driver) parse(uri string) (server, method string, err error) {
	t, err := d.table()
	if err != nil {
		return "", "", err
	}
	r, err := t.route(uri)
	if err != nil {
		return "", "", err
	}
	return r.ParseServerMethod(uri)
}

// RegisterGrpcService registers endpoint under every target that target lists
// (separated by spaces or ';'), each through the driver that owns its scheme.
// Every target is checked for an owner, and endpoint for its form, before any
// registration; when one registration fails, those made before it in this call
// are withdrawn (the drivers are closed) and the error names the driver.
func (d *driver) RegisterGrpcService(target, endpoint string) error {
	return d.register(target, endpoint, false)
}

// RegisterHTTPService publishes dtm's HTTP endpoint under every target whose
// driver implements dtmdriver.HTTPRegistrar; the others are skipped with a
// warning. It fails when no target's driver publishes HTTP.
func (d *driver) RegisterHTTPService(target, endpoint string) error {
	return d.register(target, endpoint, true)
}

type job struct {
	target string
	d      dtmdriver.Driver
}

// jobs splits target into its targets, each with the driver that owns its
// scheme, and checks each target's form with its driver's planner (for those
// that have one), so that a bad target is refused before any registration.
func (d *driver) jobs(target string) ([]job, []dtmdriver.Registration, error) {
	t, err := d.table()
	if err != nil {
		return nil, nil, err
	}
	if target == "" {
		return nil, nil, nil
	}
	targets := splitTargets(target)
	if len(targets) == 0 {
		return nil, nil, targetForm.Reject(target, "no target between the separators")
	}
	jobs := make([]job, 0, len(targets))
	var regs []dtmdriver.Registration
	for _, tg := range targets {
		r, err := t.routeTarget(tg)
		if err != nil {
			return nil, nil, err
		}
		planned, ok, err := dtmdriver.Plan(r, tg)
		if err != nil {
			return nil, nil, fmt.Errorf("dtmdriver: %s: the target %s for %s: %w", DriverName, dtmdriver.Quote(tg), r.GetName(), err)
		}
		if !ok { // the driver cannot say: it registers all the same
			planned = []dtmdriver.Registration{{Driver: r.GetName(), Target: dtmdriver.Redact(tg), Servers: []string{}}}
		}
		jobs = append(jobs, job{tg, r})
		regs = append(regs, planned...)
	}
	return jobs, regs, nil
}

// PlanRegistration returns what each target of target would register, read
// by the driver that owns its scheme (a driver that cannot plan gives a
// registration with its name only). See [dtmdriver.Planner].
func (d *driver) PlanRegistration(target string) ([]dtmdriver.Registration, error) {
	_, regs, err := d.jobs(target)
	return regs, err
}

func (d *driver) register(target, endpoint string, http bool) error {
	jobs, _, err := d.jobs(target)
	if err != nil || len(jobs) == 0 {
		return err
	}
	if _, _, err := dtmdriver.CheckEndpoint(endpoint); err != nil {
		return err
	}
	if http {
		return d.registerHTTP(jobs, endpoint)
	}
	var done []dtmdriver.Driver
	for _, j := range jobs {
		if err := j.d.RegisterGrpcService(j.target, endpoint); err != nil {
			err = fmt.Errorf("dtmdriver: %s: registering dtm through %s under target %s: %w",
				DriverName, j.d.GetName(), dtmdriver.Quote(j.target), err)
			return errors.Join(err, rollback(done))
		}
		done = appendDriver(done, j.d)
	}
	for _, r := range done {
		d.remember(r)
	}
	return nil
}

func (d *driver) registerHTTP(jobs []job, endpoint string) error {
	n := 0
	for _, j := range jobs {
		r, ok := j.d.(dtmdriver.HTTPRegistrar)
		if !ok {
			slog.Warn("dtmdriver: composite driver: the driver of this target does not publish HTTP endpoints; skipped",
				"driver", j.d.GetName(), "target", dtmdriver.Redact(j.target))
			continue
		}
		if err := r.RegisterHTTPService(j.target, endpoint); err != nil {
			return fmt.Errorf("dtmdriver: %s: registering dtm's HTTP endpoint through %s under target %s: %w",
				DriverName, j.d.GetName(), dtmdriver.Quote(j.target), err)
		}
		d.remember(j.d)
		n++
	}
	if n == 0 {
		names := make([]string, 0, len(jobs))
		for _, j := range jobs {
			names = appendName(names, j.d.GetName())
		}
		return fmt.Errorf("dtmdriver: %s: no driver of the targets publishes HTTP endpoints (drivers: %s)",
			DriverName, strings.Join(names, ", "))
	}
	return nil
}

// rollback closes the drivers that registered dtm before a failure.
func rollback(done []dtmdriver.Driver) error {
	var errs []error
	for _, d := range slices.Backward(done) {
		if c, ok := d.(dtmdriver.Closer); ok {
			if err := c.Close(); err != nil {
				errs = append(errs, fmt.Errorf("rolling back the registration through %s: %w", d.GetName(), err))
			}
		}
	}
	return errors.Join(errs...)
}

func (d *driver) remember(r dtmdriver.Driver) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.registered = appendDriver(d.registered, r)
}

// Close withdraws every registration the composite made, closing each driver
// that holds one (those implementing dtmdriver.Closer), and joins their
// errors. It is safe to call more than once.
func (d *driver) Close() error {
	d.mu.Lock()
	regs := d.registered
	d.registered = nil
	d.mu.Unlock()
	var errs []error
	for _, r := range slices.Backward(regs) {
		if c, ok := r.(dtmdriver.Closer); ok {
			if err := c.Close(); err != nil {
				errs = append(errs, fmt.Errorf("closing %s: %w", r.GetName(), err))
			}
		}
	}
	return errors.Join(errs...)
}

// Describe lists the schemes the composite routes (those of the linked
// drivers), their branch forms and the target form. It is empty when the
// routing table cannot be built.
func (d *driver) Describe() dtmdriver.Description {
	desc := dtmdriver.Description{TargetForm: string(targetForm)}
	t, err := d.table()
	if err != nil {
		return desc
	}
	for _, l := range t.linked {
		desc.Schemes = append(desc.Schemes, l.schemes...)
		desc.BranchForms = append(desc.BranchForms, l.forms...)
		desc.HTTPForms = append(desc.HTTPForms, l.http...)
	}
	slices.Sort(desc.Schemes)
	desc.BranchForms = append(desc.BranchForms, string(bareForm))
	return desc
}

// appendDriver appends r unless a driver of its name is in ds already.
func appendDriver(ds []dtmdriver.Driver, r dtmdriver.Driver) []dtmdriver.Driver {
	for _, d := range ds {
		if d.GetName() == r.GetName() {
			return ds
		}
	}
	return append(ds, r)
}

func appendName(names []string, name string) []string {
	if slices.Contains(names, name) {
		return names
	}
	return append(names, name)
}

// splitTargets splits a target list at spaces and ';'.
func splitTargets(target string) []string {
	return strings.FieldsFunc(target, func(r rune) bool {
		return r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
}
