package gozero_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/zeromicro/go-zero/core/discov"
)

// substreamFrame marks an etcd client goroutine that serves one watch.
const substreamFrame = "go.etcd.io/etcd/client/v3.(*watchGRPCStream).serveSubstream"

// countGoroutines counts the goroutines whose stack contains frame.
func countGoroutines(frame string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), frame)
		}
		buf = make([]byte, 2*len(buf))
	}
}

// publish registers addr under key in etcd with go-zero's discov.Publisher, as a
// go-zero zrpc server does, and stops it with the test. It returns once the
// publisher's own watch of its key runs: go-zero starts it in the background and
// never cancels it (it uses the cached client's context), so a leak check must not
// see it start later.
func publish(t testing.TB, hosts []string, key, addr string, opts ...discov.PubOption) *discov.Publisher {
	t.Helper()
	before := countGoroutines(substreamFrame)
	pub := discov.NewPublisher(hosts, key, addr, opts...)
	if err := pub.KeepAlive(); err != nil {
		t.Fatalf("publishing %s under %s: %v", addr, key, err)
	}
	t.Cleanup(pub.Stop)
	waitFor(t, 10*time.Second, "the publisher's watch", func() bool {
		return countGoroutines(substreamFrame) > before
	})
	return pub
}

// waitFor polls cond until it holds or timeout passes, then fails t.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", timeout, what)
		}
		<-tick.C
	}
}
