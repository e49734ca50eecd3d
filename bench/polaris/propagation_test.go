package polaris

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/bench/internal/benchkit"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/polaristest"
	"google.golang.org/grpc/resolver"
)

// propagationTrials is the number of trials of BenchmarkPropagation. They run
// at once, one service each, started at random within two seconds: one trial
// takes up to ten seconds (the server's naming cache lags about a second and
// polaris-go refreshes a watched service every two).
const propagationTrials = 24

// BenchmarkPropagation times an instance's registration through the Polaris
// server's HTTP client API to the update of a resolver built by the driver's
// polaris scheme, and its withdrawal (polaristest's: isolation, then
// deregistration, as driver-polaris's Close does) to the update that drops it. The
// instances have no health check, so no TTL is involved; a crashed instance
// with heartbeats is dropped three TTLs after its last one on top. The
// resolvers report to dtmdrivertest.Recorders, stand-ins for gRPC's ClientConn; the
// server is real.
func BenchmarkPropagation(b *testing.B) {
	srv := start(b)
	var mu sync.Mutex
	var reg, dereg []time.Duration
	var wg sync.WaitGroup
	for i := range propagationTrials {
		wg.Go(func() {
			up, down, err := trial(b, srv, i)
			if err != nil {
				b.Error(err)
				return
			}
			mu.Lock()
			reg, dereg = append(reg, up), append(dereg, down)
			mu.Unlock()
		})
	}
	wg.Wait()
	if b.Failed() {
		return
	}
	b.Run("polaris/register", func(b *testing.B) { benchkit.ReportLatency(b, reg) })
	b.Run("polaris/deregister", func(b *testing.B) { benchkit.ReportLatency(b, dereg) })
}

func trial(b *testing.B, srv *polaristest.Server, i int) (up, down time.Duration, err error) {
	service := fmt.Sprintf("bench-prop-%d", i)
	port := 20000 + i
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	rec := dtmdrivertest.NewRecorder()
	r, err := resolver.Get("polaris").Build(resolver.Target{URL: url.URL{Scheme: "polaris", Host: service}}, rec, resolver.BuildOptions{})
	if err != nil {
		return 0, 0, err
	}
	defer r.Close()
	// Spread the trials (a deliberate offset, not a wait for a condition).
	time.Sleep(rand.N(2 * time.Second))
	from, start := rec.Len(), time.Now()
	withdraw, err := srv.Register(service, addr)
	if err != nil {
		return 0, 0, err
	}
	at, ok := rec.Await(from, 30*time.Second, benchkit.Has(addr, true))
	if !ok {
		return 0, 0, fmt.Errorf("%s: not resolved within 30 s", service)
	}
	up = at.Sub(start)
	time.Sleep(rand.N(2 * time.Second))
	from, start = rec.Len(), time.Now()
	withdraw()
	at, ok = rec.Await(from, 30*time.Second, benchkit.Has(addr, false))
	if !ok {
		return 0, 0, fmt.Errorf("%s: not dropped within 30 s", service)
	}
	return up, at.Sub(start), nil
}
