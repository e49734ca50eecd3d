package dtmdriver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// HTTPInstance is one instance of an HTTP service as a registry lists it.
type HTTPInstance struct {
	Scheme string // "http" or "https"
	Addr   string // host:port
}

// HTTPWatchFunc follows one service in a registry until ctx ends. It calls
// update with the complete list of healthy instances whenever it changes (an
// empty list when none is healthy), and with nil and an error when the
// registry cannot be asked: the instances listed last are kept meanwhile, as
// the drivers' gRPC resolvers keep their last addresses. It calls update from
// one goroutine only, and returns when ctx ends.
type HTTPWatchFunc func(ctx context.Context, update func(instances []HTTPInstance, err error))

// HTTPSource makes the watch of a service. key is the part of an HTTP URL that
// names the service (with its registry and options), as the driver cut it; a
// driver checks it here, once per key, and returns an error saying what is
// wrong and the form expected.
type HTTPSource interface {
	HTTPWatch(key string) (HTTPWatchFunc, error)
}

// DefaultHTTPResolveTimeout bounds how long [HTTPWatches.Pick] waits for a
// registry's first answer when the caller's context has no earlier deadline.
const DefaultHTTPResolveTimeout = 10 * time.Second

// DefaultHTTPIdleTimeout is how long a watch nobody picks from is kept, when
// [HTTPWatches.IdleTimeout] is zero.
const DefaultHTTPIdleTimeout = 10 * time.Minute

// HTTPWatches is the shared machinery behind drivers' [HTTPResolver]s: one
// watch per service key, started on first use, and round robin over the
// healthy instances it lists. A watch no call has picked from for an idle
// period is stopped (and started again by the next call): the keys come from
// the URLs of submitted transactions, so without that any client could make
// dtm keep a goroutine and a registry query per name it makes up, for ever.
// Close stops them all. The zero value is ready to use.
type HTTPWatches struct {
	// Timeout bounds the wait for a service's first listing; zero means
	// DefaultHTTPResolveTimeout.
	Timeout time.Duration
	// IdleTimeout is the idle period: a watch that no call picked from
	// during one whole period stops at its end, so between IdleTimeout and
	// twice it after its last use. Zero means DefaultHTTPIdleTimeout. Set it
	// before the first Pick.
	IdleTimeout time.Duration

	mu      sync.RWMutex
	watches map[string]*httpWatch
	// sweeper stops idle watches while there are watches; stopSweep ends it.
	stopSweep chan struct{}
	sweepDone chan struct{}
}

type httpWatch struct {
	key    string
	state  atomic.Pointer[httpState]
	next   atomic.Uint32
	used   atomic.Bool // picked from since the sweeper last looked
	cancel context.CancelFunc
	done   chan struct{}
}

// httpState is replaced, never changed, on each update.
type httpState struct {
	instances []HTTPInstance
	err       error         // the registry's last error; nil once it answers again
	listed    bool          // the registry has answered at least once
	changed   chan struct{} // closed when a newer state replaces this one
	version   uint64        // the number of updates applied
}

// Pick returns the next healthy instance of the service key names, in round
// robin, starting the watch on first use. While the registry has not yet
// answered and nothing is known of the service, it waits, up to its Timeout
// or ctx's end, whichever comes first. When the registry lists no healthy
// instance, or has failed and none is known, it fails at once with an error
// that says so and wraps [ErrNoHTTPInstance] (and the registry's error).
func (ws *HTTPWatches) Pick(ctx context.Context, key string, src HTTPSource) (HTTPInstance, error) {
	w, err := ws.watch(key, src)
	if err != nil {
		return HTTPInstance{}, err
	}
	st := w.state.Load()
	if inst, ok := w.pick(st); ok {
		return inst, nil
	}
	return ws.wait(ctx, w, st)
}

func (w *httpWatch) pick(st *httpState) (HTTPInstance, bool) {
	n := uint32(len(st.instances))
	if n == 0 {
		return HTTPInstance{}, false
	}
	return st.instances[(w.next.Add(1)-1)%n], true
}

func (ws *HTTPWatches) watch(key string, src HTTPSource) (*httpWatch, error) {
	ws.mu.RLock()
	w := ws.watches[key]
	if w != nil && !w.used.Load() { // under the lock: the sweeper sees it
		w.used.Store(true)
	}
	ws.mu.RUnlock()
	if w != nil {
		return w, nil
	}
	run, err := src.HTTPWatch(key)
	if err != nil {
		return nil, err
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if w := ws.watches[key]; w != nil {
		w.used.Store(true)
		return w, nil // another caller started it meanwhile
	}
	ctx, cancel := context.WithCancel(context.Background())
	w = &httpWatch{key: key, cancel: cancel, done: make(chan struct{})}
	w.used.Store(true)
	w.state.Store(&httpState{changed: make(chan struct{})})
	if ws.watches == nil {
		ws.watches = map[string]*httpWatch{}
	}
	ws.watches[key] = w
	if ws.stopSweep == nil {
		ws.stopSweep, ws.sweepDone = make(chan struct{}), make(chan struct{})
		go ws.sweep(ws.stopSweep, ws.sweepDone)
	}
	go func() {
		defer close(w.done)
		run(ctx, w.update)
	}()
	return w, nil
}

func (w *httpWatch) update(instances []HTTPInstance, err error) {
	old := w.state.Load()
	st := &httpState{changed: make(chan struct{}), version: old.version + 1}
	if err != nil {
		st.instances, st.listed, st.err = old.instances, old.listed, err
	} else {
		st.instances, st.listed = slices.Clone(instances), true
	}
	w.state.Store(st)
	close(old.changed)
}

// ErrNoHTTPInstance is wrapped by Pick's error when the registry answered and
// lists no healthy instance of the service.
var ErrNoHTTPInstance = errors.New("no healthy instance")

func (ws *HTTPWatches) wait(ctx context.Context, w *httpWatch, st *httpState) (HTTPInstance, error) {
	timeout := ws.Timeout
	if timeout <= 0 {
		timeout = DefaultHTTPResolveTimeout
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		switch {
		case st.err != nil:
			// The registry refused or could not be reached, and no instance is
			// known: say so now rather than when the wait ends.
			return HTTPInstance{}, fmt.Errorf("dtmdriver: HTTP service %s: %w: none is known and the registry failed: %w",
				Quote(w.key), ErrNoHTTPInstance, st.err)
		case st.listed:
			return HTTPInstance{}, fmt.Errorf("dtmdriver: HTTP service %s: %w: the registry lists none that passes its health checks",
				Quote(w.key), ErrNoHTTPInstance)
		}
		select {
		case <-st.changed:
			st = w.state.Load()
			if inst, ok := w.pick(st); ok {
				return inst, nil
			}
			continue
		case <-ctx.Done():
			return HTTPInstance{}, w.silentError(ctx.Err())
		case <-timer.C:
			return HTTPInstance{}, w.silentError(fmt.Errorf("waited %s", timeout))
		}
	}
}

// silentError is Pick's error when the registry has not answered in time.
func (w *httpWatch) silentError(why error) error {
	return fmt.Errorf("dtmdriver: HTTP service %s: %w: the registry has not answered (%w)", Quote(w.key), ErrNoHTTPInstance, why)
}

// sweep stops, every idle period, the watches no call picked from during
// it, until stop is closed or no watch is left.
func (ws *HTTPWatches) sweep(stop, done chan struct{}) {
	defer close(done)
	idle := ws.IdleTimeout
	if idle <= 0 {
		idle = DefaultHTTPIdleTimeout
	}
	ticker := time.NewTicker(idle)
	defer ticker.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ticker.C:
		}
		ws.mu.Lock()
		for key, w := range ws.watches {
			if w.used.Load() {
				w.used.Store(false)
				continue
			}
			delete(ws.watches, key)
			w.cancel() // its goroutine ends on its own; nobody waits for it
		}
		if len(ws.watches) == 0 && ws.stopSweep == stop {
			ws.stopSweep, ws.sweepDone = nil, nil // the next watch starts a sweeper
			ws.mu.Unlock()
			return
		}
		ws.mu.Unlock()
	}
}

// Close stops every watch and the sweeper, and waits for them. Pick may be
// called again afterwards: it starts new watches.
func (ws *HTTPWatches) Close() {
	ws.mu.Lock()
	watches := ws.watches
	ws.watches = nil
	stop, done := ws.stopSweep, ws.sweepDone
	ws.stopSweep, ws.sweepDone = nil, nil
	ws.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
	for _, w := range watches {
		w.cancel()
	}
	for _, w := range watches {
		<-w.done
	}
}
