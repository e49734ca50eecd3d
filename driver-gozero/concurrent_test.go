package gozero_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// TestConcurrentFirstResolves: many connections to one service, made at the
// same moment in one process (dtm's first branch calls after a start, or a
// client app's parallel requests), each reach the service on their first
// call, without WaitForReady as dtm calls. go-zero's registry, left alone,
// gives a subscriber that starts while another of the same key is loading
// no address at all until the key next changes, and the call fails with
// "produced zero addresses".
func TestConcurrentFirstResolves(t *testing.T) {
	e := needEtcd(t)
	d := theDriver(t)
	const rounds, conns = 8, 12
	for round := range rounds {
		name := fmt.Sprintf("concurrent-%d-%d", round, time.Now().UnixNano()%1e6)
		addr := dtmdrivertest.StartHealthServer(t, name)
		e.Publish(t, name, addr)
		for _, uri := range []string{"etcd://" + e.Endpoint() + "/" + name, "etcd:///" + e.Endpoint() + "?key=" + name} {
			server, method, err := d.ParseServerMethod(uri + healthCheck)
			if err != nil {
				t.Fatal(err)
			}
			start := make(chan struct{})
			errs := make(chan error, conns)
			var wg sync.WaitGroup
			for range conns {
				wg.Go(func() {
					conn, err := grpc.NewClient(server, grpc.WithTransportCredentials(insecure.NewCredentials()))
					if err != nil {
						errs <- err
						return
					}
					defer conn.Close()
					<-start
					conn.Connect()
					ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
					defer cancel()
					var resp healthpb.HealthCheckResponse
					if err := conn.Invoke(ctx, method, &healthpb.HealthCheckRequest{Service: name}, &resp); err != nil {
						errs <- fmt.Errorf("%s: %w", uri, err)
					}
				})
			}
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Errorf("round %d: a first call, one of %d made at once: %v", round, conns, err)
			}
		}
	}
}
