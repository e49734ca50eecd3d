package dtmdrivertest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"google.golang.org/grpc/resolver"
)

func TestRecorder(t *testing.T) {
	r := NewRecorder()
	if addrs, at := r.Last(); addrs != nil || !at.IsZero() || r.Len() != 0 {
		t.Fatalf("empty recorder: Last = %q, %v; Len = %d", addrs, at, r.Len())
	}
	from := r.Len()
	go func() {
		_ = r.UpdateState(resolver.State{Addresses: []resolver.Address{{Addr: "a:1"}}})
		_ = r.UpdateState(resolver.State{Endpoints: []resolver.Endpoint{{Addresses: []resolver.Address{{Addr: "b:2"}}}}})
	}()
	at, ok := r.Await(from, 5*time.Second, func(a []string) bool { return slices.Contains(a, "b:2") })
	if !ok || at.IsZero() {
		t.Fatal("Await missed the update from an endpoint")
	}
	if !r.Has("b:2") || r.Has("a:1") || r.Len() != 2 {
		t.Errorf("after two updates: Has(b:2) = %v, Has(a:1) = %v, Len = %d", r.Has("b:2"), r.Has("a:1"), r.Len())
	}
	if _, ok := r.Await(r.Len(), 50*time.Millisecond, func([]string) bool { return true }); ok {
		t.Error("Await from the end found an update that never came")
	}
	boom := errors.New("boom")
	r.ReportError(boom)
	select {
	case <-r.Updated():
	default:
		t.Error("ReportError did not signal Updated")
	}
	if errs := r.Errors(); len(errs) != 1 || errs[0] != boom {
		t.Errorf("Errors = %v", errs)
	}
}

func TestCountingServerDial(t *testing.T) {
	s := StartCountingServer(t, "kit")
	waited := WaitFor(t, time.Second, "nothing", func() bool { return true })
	if waited > 100*time.Millisecond {
		t.Errorf("WaitFor on a condition that holds took %v", waited)
	}
	d, _ := dtmdriver.Lookup(dtmdriver.DefaultName) // host:port/pkg.Svc/Method
	conn, method := Dial(t, d, s.Addr+healthCheck)
	for range 3 {
		if err := Invoke(t.Context(), conn, method, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.Calls.Load(); got != 3 {
		t.Errorf("Calls = %d, want 3", got)
	}
	if h, p := HostPort(t, s.Addr); h != "127.0.0.1" || p == 0 {
		t.Errorf("HostPort(%q) = %q, %d", s.Addr, h, p)
	}
	var b SyncBuffer
	_, _ = b.Write([]byte("x"))
	if b.String() != "x" {
		t.Errorf("SyncBuffer = %q", b.String())
	}
}
