package dtmdrivertest

import (
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// Goroutines is a record of the goroutines that were running when it was made.
type Goroutines struct {
	before map[string]bool
}

// TrackGoroutines records the goroutines running now, so that [Goroutines.Check]
// can later find the ones started since that are still running: a driver's Close
// must stop everything the driver started.
func TrackGoroutines() *Goroutines {
	g := &Goroutines{before: map[string]bool{}}
	for id := range goroutineStacks() {
		g.before[id] = true
	}
	return g
}

// Check fails t when, within timeout, goroutines started since [TrackGoroutines]
// are still running, other than those whose stack contains one of the ignore
// strings (a process-wide cache a library keeps on purpose, say). It polls:
// goroutines take a moment to return after Close.
func (g *Goroutines) Check(t testing.TB, timeout time.Duration, ignore ...string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		leaked := g.leaked(ignore)
		if len(leaked) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%d goroutines still running %v after the code under test was closed:\n\n%s",
				len(leaked), timeout, strings.Join(leaked, "\n\n"))
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (g *Goroutines) leaked(ignore []string) []string {
	var leaked []string
	for id, stack := range goroutineStacks() {
		if g.before[id] || benign(stack) || slices.ContainsFunc(ignore, func(s string) bool { return strings.Contains(stack, s) }) {
			continue
		}
		leaked = append(leaked, stack)
	}
	slices.Sort(leaked)
	return leaked
}

// benign reports goroutines of the runtime and the testing package.
func benign(stack string) bool {
	for _, s := range []string{
		"dtmdrivertest.goroutineStacks", // this check
		"testing.(*T).Run",
		"testing.tRunner.func1",
		"testing.(*M).",
		"runtime.goexit0",
		"runtime/trace.Start",
		"signal.signal_recv",
		"created by os/signal.Notify",
		"runtime.ensureSigM",
	} {
		if strings.Contains(stack, s) {
			return true
		}
	}
	return false
}

// goroutineStacks returns every goroutine's stack by its "goroutine N" header.
func goroutineStacks() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	stacks := map[string]string{}
	for block := range strings.SplitSeq(string(buf), "\n\n") {
		header, _, _ := strings.Cut(block, "\n")
		id, _, ok := strings.Cut(header, " [")
		if ok {
			stacks[id] = block
		}
	}
	return stacks
}
