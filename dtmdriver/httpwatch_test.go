package dtmdriver

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// scriptedSource hands each watch a channel of updates that the test feeds:
// the watch applies them in order until its context ends.
type scriptedSource struct {
	mu      sync.Mutex
	feeds   map[string]chan scriptedUpdate
	started map[string]int
	refuse  string // a key HTTPWatch refuses
}

type scriptedUpdate struct {
	instances []HTTPInstance
	err       error
}

func newScriptedSource() *scriptedSource {
	return &scriptedSource{feeds: map[string]chan scriptedUpdate{}, started: map[string]int{}}
}

func (s *scriptedSource) feed(key string) chan scriptedUpdate {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.feeds[key] == nil {
		s.feeds[key] = make(chan scriptedUpdate, 16)
	}
	return s.feeds[key]
}

func (s *scriptedSource) HTTPWatch(key string) (HTTPWatchFunc, error) {
	if key == s.refuse {
		return nil, fmt.Errorf("bad key %s: want name[;option=value]", Quote(key))
	}
	feed := s.feed(key)
	s.mu.Lock()
	s.started[key]++
	s.mu.Unlock()
	return func(ctx context.Context, update func([]HTTPInstance, error)) {
		for {
			select {
			case <-ctx.Done():
				return
			case u := <-feed:
				update(u.instances, u.err)
			}
		}
	}, nil
}

func insts(addrs ...string) []HTTPInstance {
	out := make([]HTTPInstance, len(addrs))
	for i, a := range addrs {
		out[i] = HTTPInstance{Scheme: "http", Addr: a}
	}
	return out
}

func TestHTTPWatchesRoundRobin(t *testing.T) {
	src := newScriptedSource()
	var ws HTTPWatches
	t.Cleanup(ws.Close)
	src.feed("svc") <- scriptedUpdate{instances: insts("a:1", "b:2", "c:3")}
	counts := map[string]int{}
	for range 30 {
		inst, err := ws.Pick(context.Background(), "svc", src)
		if err != nil {
			t.Fatalf("Pick: %v", err)
		}
		counts[inst.Addr]++
	}
	for _, a := range []string{"a:1", "b:2", "c:3"} {
		if counts[a] != 10 {
			t.Errorf("round robin over 3 instances, 30 picks: %v; want 10 each", counts)
		}
	}
	if src.started["svc"] != 1 {
		t.Errorf("watch started %d times for one key; want 1", src.started["svc"])
	}
}

func TestHTTPWatchesStates(t *testing.T) {
	unreachable := errors.New("dial tcp 127.0.0.1:1: connection refused")
	tests := []struct {
		name     string
		updates  []scriptedUpdate
		timeout  time.Duration
		want     string // address, or "" for an error
		errParts []string
	}{
		{name: "listed", updates: []scriptedUpdate{{instances: insts("a:1")}}, want: "a:1"},
		{name: "last known kept while unreachable",
			updates: []scriptedUpdate{{instances: insts("a:1")}, {err: unreachable}}, want: "a:1"},
		{name: "list replaced", updates: []scriptedUpdate{{instances: insts("a:1")}, {instances: insts("b:2")}}, want: "b:2"},
		{name: "none healthy fails at once",
			updates: []scriptedUpdate{{instances: insts("a:1")}, {instances: nil}}, timeout: time.Hour,
			errParts: []string{`"svc"`, "no healthy instance", "lists none"}},
		{name: "unreachable, nothing known, fails at once",
			updates: []scriptedUpdate{{err: unreachable}}, timeout: time.Hour,
			errParts: []string{`"svc"`, "none is known and the registry failed", "connection refused"}},
		{name: "no answer", timeout: 200 * time.Millisecond,
			errParts: []string{`"svc"`, "has not answered", "waited 200ms"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := newScriptedSource()
			ws := &HTTPWatches{Timeout: tc.timeout}
			t.Cleanup(ws.Close)
			// Start the watch, apply the updates, then wait until the last is in.
			feed := src.feed("svc")
			if _, err := ws.watch("svc", src); err != nil {
				t.Fatal(err)
			}
			for _, u := range tc.updates {
				feed <- u
			}
			waitApplied(t, ws, "svc", len(tc.updates))
			start := time.Now()
			inst, err := ws.Pick(context.Background(), "svc", src)
			if tc.want != "" {
				if err != nil || inst.Addr != tc.want {
					t.Fatalf("Pick = %v, %v; want %s", inst, err, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Pick = %v; want an error", inst)
			}
			if !errors.Is(err, ErrNoHTTPInstance) {
				t.Errorf("error %v does not wrap ErrNoHTTPInstance", err)
			}
			for _, p := range tc.errParts {
				if !strings.Contains(err.Error(), p) {
					t.Errorf("error %q lacks %q", err, p)
				}
			}
			if d := time.Since(start); d > tc.timeout+2*time.Second {
				t.Errorf("Pick took %s; timeout %s", d, tc.timeout)
			}
		})
	}
}

// waitApplied waits until the watch of key has applied n updates (the feed is
// its state's version counts them).
func waitApplied(t *testing.T, ws *HTTPWatches, key string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	ws.mu.RLock()
	w := ws.watches[key]
	ws.mu.RUnlock()
	for w.state.Load().version < uint64(n) {
		if time.Now().After(deadline) {
			t.Fatalf("watch applied %d of %d updates", w.state.Load().version, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestHTTPWatchesWaitsForFirstListing(t *testing.T) {
	src := newScriptedSource()
	var ws HTTPWatches
	t.Cleanup(ws.Close)
	go func() {
		time.Sleep(50 * time.Millisecond) // the listing arrives while Pick waits
		src.feed("svc") <- scriptedUpdate{instances: insts("a:1")}
	}()
	inst, err := ws.Pick(context.Background(), "svc", src)
	if err != nil || inst.Addr != "a:1" {
		t.Fatalf("Pick = %v, %v; want a:1", inst, err)
	}
}

func TestHTTPWatchesContext(t *testing.T) {
	src := newScriptedSource()
	ws := &HTTPWatches{Timeout: time.Hour}
	t.Cleanup(ws.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := ws.Pick(ctx, "svc", src)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrNoHTTPInstance) {
		t.Fatalf("Pick with a 100ms context = %v; want DeadlineExceeded and ErrNoHTTPInstance", err)
	}
}

func TestHTTPWatchesRefusedKey(t *testing.T) {
	src := newScriptedSource()
	src.refuse = "bad;x=1"
	var ws HTTPWatches
	t.Cleanup(ws.Close)
	_, err := ws.Pick(context.Background(), "bad;x=1", src)
	if err == nil || !strings.Contains(err.Error(), "want name") {
		t.Fatalf("Pick of a refused key = %v; want the source's error", err)
	}
	if len(ws.watches) != 0 {
		t.Errorf("a refused key left a watch")
	}
}

func TestHTTPWatchesClose(t *testing.T) {
	src := newScriptedSource()
	var ws HTTPWatches
	for _, k := range []string{"a", "b"} {
		src.feed(k) <- scriptedUpdate{instances: insts(k + ":1")}
		if _, err := ws.Pick(context.Background(), k, src); err != nil {
			t.Fatal(err)
		}
	}
	var dones []chan struct{}
	for _, w := range ws.watches {
		dones = append(dones, w.done)
	}
	ws.Close()
	for _, d := range dones {
		select {
		case <-d:
		default:
			t.Fatal("Close returned before a watch ended")
		}
	}
	ws.Close() // idempotent
	// Pick after Close starts a new watch.
	src.feed("a") <- scriptedUpdate{instances: insts("a:2")}
	if inst, err := ws.Pick(context.Background(), "a", src); err != nil || inst.Addr != "a:2" {
		t.Fatalf("Pick after Close = %v, %v; want a:2", inst, err)
	}
	ws.Close()
}

// TestHTTPWatchesStopIdle: a watch nobody picks from stops after an idle
// period or two, and the next Pick starts it again; a watch in use stays;
// with no watch left the sweeper ends too. Names made up by a client cannot
// pile up watches for ever.
func TestHTTPWatchesStopIdle(t *testing.T) {
	src := newScriptedSource()
	ws := HTTPWatches{IdleTimeout: 40 * time.Millisecond}
	t.Cleanup(ws.Close)
	for _, k := range []string{"busy", "idle"} {
		src.feed(k) <- scriptedUpdate{instances: insts(k + ":1")}
		if _, err := ws.Pick(context.Background(), k, src); err != nil {
			t.Fatal(err)
		}
	}
	watching := func(key string) bool {
		ws.mu.RLock()
		defer ws.mu.RUnlock()
		return ws.watches[key] != nil
	}
	idleDone := func() chan struct{} { ws.mu.RLock(); defer ws.mu.RUnlock(); return ws.watches["idle"].done }()
	deadline := time.Now().Add(5 * time.Second)
	for watching("idle") {
		if time.Now().After(deadline) {
			t.Fatal("the idle watch still runs after 5 s")
		}
		if _, err := ws.Pick(context.Background(), "busy", src); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond) // a steady trickle of calls to "busy"
	}
	select {
	case <-idleDone:
	case <-time.After(5 * time.Second):
		t.Fatal("the idle watch's goroutine did not end")
	}
	if !watching("busy") {
		t.Error("the watch in use was stopped")
	}
	// The next call starts it again, from a fresh listing.
	src.feed("idle") <- scriptedUpdate{instances: insts("idle:2")}
	if inst, err := ws.Pick(context.Background(), "idle", src); err != nil || inst.Addr != "idle:2" {
		t.Fatalf("Pick after the idle stop = %v, %v; want idle:2", inst, err)
	}
	src.mu.Lock()
	started := src.started["idle"]
	src.mu.Unlock()
	if started != 2 {
		t.Errorf("the idle watch started %d times, want 2", started)
	}
	// Nobody picks: every watch stops, and the sweeper ends.
	deadline = time.Now().Add(5 * time.Second)
	for {
		ws.mu.RLock()
		n, sweeping := len(ws.watches), ws.stopSweep != nil
		ws.mu.RUnlock()
		if n == 0 && !sweeping {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d watches and sweeping %v 5 s after the last call", n, sweeping)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
