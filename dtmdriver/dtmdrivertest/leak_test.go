package dtmdrivertest

import (
	"testing"
	"time"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Helper()               {}

func TestGoroutinesCheck(t *testing.T) {
	g := TrackGoroutines()
	stop := make(chan struct{})
	go func() { <-stop }()

	r := &recorder{TB: t}
	g.Check(r, 100*time.Millisecond)
	if !r.failed {
		t.Error("Check did not report a goroutine that was still running")
	}

	r = &recorder{TB: t}
	g.Check(r, 100*time.Millisecond, "dtmdrivertest.TestGoroutinesCheck")
	if r.failed {
		t.Error("Check reported a goroutine it was told to ignore")
	}

	close(stop)
	r = &recorder{TB: t}
	g.Check(r, 5*time.Second)
	if r.failed {
		t.Error("Check reported a goroutine that had returned")
	}
}
