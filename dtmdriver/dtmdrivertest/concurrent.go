package dtmdrivertest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// burstConns is how many connections the ConcurrentFirstCalls check makes at
// the same moment.
const burstConns = 12

// testConcurrentFirstCalls: connections made at the same moment to a service
// that no connection of the process has resolved yet (dtm's first branch
// calls after a start, a busy client app) each reach it. A resolver that
// starts while another of the same service is loading must still be given
// the service's instances: go-zero's registry, left alone, gives it none
// until the service next changes. Once the registry lists the service, the
// calls are made as dtm makes them, without waiting for readiness: a
// resolver that reports no address fails its call at once.
func testConcurrentFirstCalls(t *testing.T, h Harness, name string) {
	if h.Publish == nil && h.Registry == nil {
		t.Skip("Harness.Publish and Harness.Registry are nil")
	}
	if err := dtmdriver.Use(name); err != nil {
		t.Fatal(err)
	}
	backend := fmt.Sprintf("conformance-burst-%d", time.Now().UnixNano()%1e9)
	addr := StartHealthServer(t, backend)
	server := h.publish(t, backend, addr)
	if h.Listed != nil || h.Registry != nil {
		WaitFor(t, callTimeout(h), fmt.Sprintf("the registry to list %s under %q", addr, backend), func() bool {
			return slices.Contains(h.listed(t, backend), addr)
		})
	}
	start := make(chan struct{})
	errs := make(chan error, burstConns)
	var wg sync.WaitGroup
	for range burstConns {
		wg.Go(func() {
			<-start
			errs <- callHealth(t.Context(), h.Driver, server+healthCheck, backend, callTimeout(h), false)
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("one of %d first calls made at once: %v", burstConns, err)
		}
	}
}
