package dtmdriver

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingDriver counts RegisterGrpcResolver calls; release, when set, holds the
// first call until it is closed.
type countingDriver struct {
	name      string
	resolvers atomic.Int32
	done      atomic.Bool
	release   chan struct{}
	closeErr  error
	closed    atomic.Int32
}

func (d *countingDriver) GetName() string { return d.name }
func (d *countingDriver) RegisterGrpcResolver() {
	d.resolvers.Add(1)
	if d.release != nil {
		<-d.release
	}
	d.done.Store(true)
}
func (d *countingDriver) RegisterGrpcService(target, endpoint string) error { return nil }
func (d *countingDriver) ParseServerMethod(uri string) (string, string, error) {
	return SplitMethod(uri)
}
func (d *countingDriver) Close() error { d.closed.Add(1); return d.closeErr }

func mustPanic(t *testing.T, what, want string, f func()) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Fatalf("%s did not panic", what)
		}
		if !strings.Contains(r.(string), want) {
			t.Errorf("%s panicked with %q, want it to mention %q", what, r, want)
		}
	}()
	f()
}

func TestRegisterPanics(t *testing.T) {
	r := newRegistry(defaultDriver{})
	r.register(&countingDriver{name: "dtm-driver-a"})
	mustPanic(t, "register(nil)", "nil", func() { r.register(nil) })
	mustPanic(t, "register(empty name)", "empty name", func() { r.register(&countingDriver{}) })
	mustPanic(t, "register(duplicate)", "dtm-driver-a", func() { r.register(&countingDriver{name: "dtm-driver-a"}) })
	mustPanic(t, "register(default)", DefaultName, func() { r.register(&countingDriver{name: DefaultName}) })
	mustPanic(t, "Register(nil)", "nil", func() { Register(nil) })
}

func TestUseCallsRegisterGrpcResolverOnceAndWaits(t *testing.T) {
	r := newRegistry(defaultDriver{})
	d := &countingDriver{name: "dtm-driver-a", release: make(chan struct{})}
	r.register(d)

	// The first caller enters RegisterGrpcResolver and stays there until release.
	first := make(chan error, 1)
	go func() {
		_, err := r.use("dtm-driver-a")
		first <- err
	}()
	waitUntil(t, "the first use to enter RegisterGrpcResolver", func() bool { return d.resolvers.Load() == 1 })

	// Every other caller must wait for it: none may return while it is held.
	const callers = 16
	returned := make(chan bool, callers) // whether the resolvers were registered on return
	errs := make(chan error, callers)
	for range callers {
		go func() {
			_, err := r.use("dtm-driver-a")
			errs <- err
			returned <- d.done.Load()
		}()
	}
	select {
	case <-returned:
		t.Fatal("a caller of use returned while RegisterGrpcResolver was still running")
	case <-time.After(100 * time.Millisecond): // any caller that does not wait returns well before
	}
	close(d.release)
	if err := <-first; err != nil {
		t.Errorf("use: %v", err)
	}
	for range callers {
		if err := <-errs; err != nil {
			t.Errorf("use: %v", err)
		}
		if !<-returned {
			t.Error("a caller of use returned before RegisterGrpcResolver finished")
		}
	}
	if n := d.resolvers.Load(); n != 1 {
		t.Errorf("RegisterGrpcResolver called %d times, want 1", n)
	}
	if got := r.current(); got != Driver(d) {
		t.Errorf("current() = %v, want the driver in use", got)
	}
}

// waitUntil polls cond until it holds, for 10 s at most.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestUseErrors(t *testing.T) {
	r := newRegistry(defaultDriver{})
	r.register(&countingDriver{name: "dtm-driver-a"})
	r.register(&countingDriver{name: "dtm-driver-b"})
	if got := r.current().GetName(); got != DefaultName {
		t.Errorf("current() before use = %q, want %q", got, DefaultName)
	}

	_, err := r.use("dtm-driver-nope")
	if err == nil {
		t.Fatal("use of an unknown name returned nil")
	}
	for _, want := range []string{"dtm-driver-nope", "default, dtm-driver-a, dtm-driver-b"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q: want it to contain %q", err, want)
		}
	}

	if _, err := r.use("dtm-driver-a"); err != nil {
		t.Fatal(err)
	}
	_, err = r.use("dtm-driver-b")
	if err == nil || !strings.Contains(err.Error(), `"dtm-driver-a"`) || !strings.Contains(err.Error(), `"dtm-driver-b"`) {
		t.Errorf("use of a second driver: error %v, want one naming both drivers", err)
	}
	if got := r.current().GetName(); got != "dtm-driver-a" {
		t.Errorf("current() after a refused use = %q, want dtm-driver-a", got)
	}
	if got := strings.Join(r.names(), ","); got != "default,dtm-driver-a,dtm-driver-b" {
		t.Errorf("names() = %q", got)
	}
	if _, ok := r.lookup("dtm-driver-b"); !ok {
		t.Error("lookup(dtm-driver-b) found nothing")
	}
	if _, ok := r.lookup("dtm-driver-c"); ok {
		t.Error("lookup(dtm-driver-c) found a driver")
	}
}

func TestClose(t *testing.T) {
	r := newRegistry(defaultDriver{})
	if err := r.close(); err != nil {
		t.Errorf("close with no driver in use: %v", err)
	}
	boom := errors.New("boom")
	d := &countingDriver{name: "dtm-driver-a", closeErr: boom}
	r.register(d)
	if _, err := r.use("dtm-driver-a"); err != nil {
		t.Fatal(err)
	}
	err := r.close()
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "dtm-driver-a") {
		t.Errorf("close() = %v, want the driver's error wrapped with its name", err)
	}
	if d.closed.Load() != 1 {
		t.Errorf("driver closed %d times, want 1", d.closed.Load())
	}

	r2 := newRegistry(defaultDriver{})
	if _, err := r2.use(DefaultName); err != nil {
		t.Fatal(err)
	}
	if err := r2.close(); err != nil {
		t.Errorf("close of a driver that is no Closer: %v", err)
	}
}

// RegisterResolvers shares the once with use: whichever comes first registers
// the resolvers, and neither selects a driver it was not asked to select.
func TestRegisterResolversSharesTheOnceWithUse(t *testing.T) {
	tests := []struct {
		name  string
		steps []string // "resolvers:<driver>" or "use:<driver>"
		want  map[string]int32
		inUse string
	}{
		{"resolvers only", []string{"resolvers:dtm-driver-a", "resolvers:dtm-driver-a"}, map[string]int32{"dtm-driver-a": 1}, DefaultName},
		{"resolvers then use", []string{"resolvers:dtm-driver-a", "use:dtm-driver-a"}, map[string]int32{"dtm-driver-a": 1}, "dtm-driver-a"},
		{"use then resolvers", []string{"use:dtm-driver-a", "resolvers:dtm-driver-a"}, map[string]int32{"dtm-driver-a": 1}, "dtm-driver-a"},
		{"a composite's way", []string{"use:dtm-driver-a", "resolvers:dtm-driver-b", "resolvers:dtm-driver-b"},
			map[string]int32{"dtm-driver-a": 1, "dtm-driver-b": 1}, "dtm-driver-a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRegistry(defaultDriver{})
			drivers := map[string]*countingDriver{}
			for _, name := range []string{"dtm-driver-a", "dtm-driver-b"} {
				drivers[name] = &countingDriver{name: name}
				r.register(drivers[name])
			}
			for _, step := range tt.steps {
				op, name, _ := strings.Cut(step, ":")
				var err error
				if op == "use" {
					_, err = r.use(name)
				} else {
					err = r.registerResolvers(name)
				}
				if err != nil {
					t.Fatalf("%s: %v", step, err)
				}
			}
			for name, d := range drivers {
				if got := d.resolvers.Load(); got != tt.want[name] {
					t.Errorf("%s: RegisterGrpcResolver called %d times, want %d", name, got, tt.want[name])
				}
			}
			if got := r.current().GetName(); got != tt.inUse {
				t.Errorf("current() = %q, want %q", got, tt.inUse)
			}
		})
	}
}

func TestRegisterResolversUnknown(t *testing.T) {
	r := newRegistry(defaultDriver{})
	r.register(&countingDriver{name: "dtm-driver-a"})
	err := r.registerResolvers("dtm-driver-nope")
	if err == nil || !strings.Contains(err.Error(), `"dtm-driver-nope"`) || !strings.Contains(err.Error(), "default, dtm-driver-a") {
		t.Errorf("registerResolvers(unknown) = %v, want an error naming it and the registered drivers", err)
	}
	if err := RegisterResolvers(DefaultName); err != nil {
		t.Errorf("RegisterResolvers(%q) = %v", DefaultName, err)
	}
}
