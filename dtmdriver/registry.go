package dtmdriver

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// registry holds the registered drivers and the one in use. The package keeps one
// (std); tests make their own.
type registry struct {
	mu       sync.Mutex
	drivers  map[string]*entry
	inUse    atomic.Pointer[entry] // read without the lock on dtm's hot path
	fallback Driver                // what GetDriver returns before Use
	// onUse runs once after the selected driver's RegisterGrpcResolver (std:
	// the HTTP middleware, httpmw.go).
	onUse func(Driver)
}

// entry is a registered driver; resolvers guards its RegisterGrpcResolver call,
// shared by Use and RegisterResolvers, so that it runs once per process and
// every concurrent caller waits for it.
type entry struct {
	driver    Driver
	resolvers sync.Once
	selected  sync.Once // guards onUse, for the driver Use selected
}

func newRegistry(fallback Driver) *registry {
	r := &registry{drivers: map[string]*entry{}, fallback: fallback}
	if fallback != nil {
		r.drivers[fallback.GetName()] = &entry{driver: fallback}
	}
	return r
}

func (r *registry) register(d Driver) {
	if d == nil {
		panic("dtmdriver: Register driver is nil")
	}
	name := d.GetName()
	if name == "" {
		panic(fmt.Sprintf("dtmdriver: Register driver %T has an empty name", d))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.drivers[name]; dup {
		panic("dtmdriver: Register called twice for driver " + name)
	}
	r.drivers[name] = &entry{driver: d}
}

// use selects the driver named name, or returns an error and changes nothing.
func (r *registry) use(name string) (Driver, error) {
	r.mu.Lock()
	e, err := r.checkUseLocked(name)
	if err != nil {
		r.mu.Unlock()
		return nil, err
	}
	if r.inUse.Load() == nil {
		r.inUse.Store(e)
	}
	r.mu.Unlock()
	e.resolvers.Do(e.driver.RegisterGrpcResolver)
	if r.onUse != nil {
		e.selected.Do(func() { r.onUse(e.driver) })
	}
	return e.driver, nil
}

// registerResolvers runs the RegisterGrpcResolver of the driver named name
// once per registry, sharing the once with use.
func (r *registry) registerResolvers(name string) error {
	r.mu.Lock()
	e, ok := r.drivers[name]
	var names []string
	if !ok {
		names = r.namesLocked()
	}
	r.mu.Unlock()
	if !ok {
		return fmt.Errorf("dtmdriver: RegisterResolvers: no driver named %q is registered (registered: %s)",
			name, strings.Join(names, ", "))
	}
	e.resolvers.Do(e.driver.RegisterGrpcResolver)
	return nil
}

// checkUse returns the driver use(name) would select, or the error it would
// return, and changes nothing.
func (r *registry) checkUse(name string) (Driver, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, err := r.checkUseLocked(name)
	if err != nil {
		return nil, err
	}
	return e.driver, nil
}

func (r *registry) checkUseLocked(name string) (*entry, error) {
	e, ok := r.drivers[name]
	if !ok {
		return nil, fmt.Errorf("dtmdriver: no driver named %q is registered (registered: %s); "+
			"import the driver's package, e.g. with a blank import, before calling Use",
			name, strings.Join(r.namesLocked(), ", "))
	}
	if a := r.inUse.Load(); a != nil && a != e {
		return nil, fmt.Errorf("dtmdriver: cannot use driver %q: driver %q is already in use, "+
			"and a process uses one driver", name, a.driver.GetName())
	}
	return e, nil
}

func (r *registry) current() Driver {
	if a := r.inUse.Load(); a != nil {
		return a.driver
	}
	return r.fallback
}

func (r *registry) lookup(name string) (Driver, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.drivers[name]
	if !ok {
		return nil, false
	}
	return e.driver, true
}

func (r *registry) names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.namesLocked()
}

func (r *registry) namesLocked() []string {
	names := make([]string, 0, len(r.drivers))
	for name := range r.drivers {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func (r *registry) close() error {
	a := r.inUse.Load()
	if a == nil {
		return nil
	}
	c, ok := a.driver.(Closer)
	if !ok {
		return nil
	}
	if err := c.Close(); err != nil {
		return fmt.Errorf("dtmdriver: closing driver %q: %w", a.driver.GetName(), err)
	}
	return nil
}

// std is the process-wide registry behind the package-level functions.
var std = newRegistry(defaultDriver{})

// Register makes a driver available by its name. Drivers call it from init.
// Like database/sql's Register it panics when d is nil, its name is empty, or a
// driver of that name is already registered. Every driver except the default one is
// also registered, through an adapter, in github.com/dtm-labs/dtmdriver, the package
// the dtm server and github.com/dtm-labs/client look drivers up in.
func Register(d Driver) {
	std.register(d)
	if d.GetName() != DefaultName {
		registerUpstream(d)
	}
}

// Use selects the driver named name for this process and, the first time, calls its
// RegisterGrpcResolver. Calling it again with the same name does nothing and
// returns nil, from any number of goroutines; every caller returns after the
// resolvers are registered. It returns an error naming both drivers when another
// driver is already in use, and one listing the registered drivers when name is
// unknown. Use also selects the driver in github.com/dtm-labs/dtmdriver, so
// dtm code that asks that package's GetDriver finds the same driver.
//
// Call Use at start-up, before the process dials gRPC: registering resolvers
// writes gRPC's resolver table, which gRPC reads without a lock.
//
// An error leaves both registries as they were: Use selects the driver in
// github.com/dtm-labs/dtmdriver first (the dtm server may have selected another
// there already, its default among them), and here only once that succeeded.
func Use(name string) error {
	return useBoth(name)
}

// MustUse is [Use] for a package's init, as regexp.MustCompile is for a
// package-level variable: it panics when Use fails. Each driver's "use" package
// calls it, so that a blank import of that package is all a client app needs
// to select the driver. Use fails there only when the program links a second
// "use" package or calls Use with another name first, which no configuration
// can repair: failing at start names both drivers, where failing later would
// not.
func MustUse(name string) {
	if err := Use(name); err != nil {
		panic(err)
	}
}

// RegisterResolvers calls the RegisterGrpcResolver of the registered driver
// named name, once per process, without selecting it: the call is shared with
// [Use], so a driver whose resolvers are registered here and later selected
// (or the other way round) registers them once. A composite driver calls it for
// every driver it routes to. It returns an error listing the registered drivers
// when name is unknown. Call it at start-up, as Use: gRPC reads its resolver
// table without a lock.
func RegisterResolvers(name string) error { return std.registerResolvers(name) }

// GetDriver returns the driver in use, or the default driver before any Use.
// It takes no lock: dtm calls it for every branch.
func GetDriver() Driver { return std.current() }

// Lookup returns the registered driver named name.
func Lookup(name string) (Driver, bool) { return std.lookup(name) }

// Drivers returns the names of the registered drivers, sorted.
func Drivers() []string { return std.names() }

// Close closes the driver in use when it implements [Closer]: dtm's registration is
// withdrawn and the driver's goroutines stop. It returns nil when no driver is in use
// or the driver keeps nothing alive. Call it when the process shuts down.
func Close() error { return std.close() }
