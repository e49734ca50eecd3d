package dtmdrivertest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// leakTimeout is how long the Close check waits for goroutines to return and
// file descriptors to close. The suite's own tests shorten it.
var leakTimeout = 10 * time.Second

// testClose runs two cycles of registration, a call through the driver's
// resolver and Close. After each Close the registry no longer lists dtm, and a
// second Close returns nil. The first cycle may set up what a driver keeps for
// the whole process; after the second, the goroutines and file descriptors are
// back to what they were after the first. A driver that is not a [dtmdriver.Closer]
// keeps nothing alive: it runs the same cycles without Close.
func testClose(t *testing.T, h Harness, name string) {
	if h.RegistrationTarget == nil {
		t.Skip("Harness.RegistrationTarget is nil")
	}
	if err := dtmdriver.Use(name); err != nil {
		t.Fatal(err)
	}
	closer, isCloser := h.Driver.(dtmdriver.Closer)
	if isCloser && h.Listed == nil && h.Registry == nil {
		t.Fatal("Harness.Listed and Harness.Registry are nil: the suite needs one to check that Close withdraws dtm's registration")
	}
	// Both servers start before the goroutines are counted.
	services := []string{uniqueName("conformance-close-a"), uniqueName("conformance-close-b")}
	addrs := []string{StartHealthServer(t, services[0]), StartHealthServer(t, services[1])}
	cycle := func(i int) {
		t.Helper()
		register(t, h, services[i], addrs[i])
		if !isCloser {
			return
		}
		start := time.Now()
		if err := closer.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		took := time.Since(start)
		WaitFor(t, callTimeout(h), fmt.Sprintf("the registry to stop listing %s under %q after Close", addrs[i], services[i]), func() bool {
			return !slices.Contains(h.listed(t, services[i]), addrs[i])
		})
		t.Logf("cycle %d: Close took %v; withdrawn %v after Close began", i+1, took.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
		if err := closer.Close(); err != nil {
			t.Errorf("second Close: %v; want nil (Close is idempotent)", err)
		}
	}
	cycle(0)
	goroutines := TrackGoroutines()
	fds := TrackFDs()
	cycle(1)
	goroutines.Check(t, leakTimeout, h.IgnoreGoroutines...)
	fds.Check(t, leakTimeout)
}

// FDs is a record of the file descriptors the process had open when it was made.
type FDs struct {
	before map[string]string // fd number to what it points to
}

// TrackFDs records the open file descriptors, so that [FDs.Check] can later find
// the ones opened since and still open. It records nothing where the process's
// descriptors cannot be listed (outside Linux).
func TrackFDs() *FDs { return &FDs{before: openFDs()} }

// Check fails t when, within timeout, descriptors opened since [TrackFDs] are
// still open. It polls: connections take a moment to close.
func (f *FDs) Check(t testing.TB, timeout time.Duration) {
	t.Helper()
	if f.before == nil {
		return
	}
	deadline := time.Now().Add(timeout)
	for {
		var opened []string
		for fd, target := range openFDs() {
			if f.before[fd] != target {
				opened = append(opened, fd+" -> "+target)
			}
		}
		if len(opened) == 0 {
			return
		}
		if time.Now().After(deadline) {
			slices.Sort(opened)
			t.Errorf("%d file descriptors still open %v after the code under test was closed:\n%s",
				len(opened), timeout, strings.Join(opened, "\n"))
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// openFDs lists the process's open descriptors by number, or nil outside Linux.
func openFDs() map[string]string {
	if runtime.GOOS != "linux" {
		return nil
	}
	const dir = "/proc/self/fd"
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	fds := make(map[string]string, len(entries))
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // the descriptor ReadDir used, closed since
		}
		fds[e.Name()] = target
	}
	return fds
}
