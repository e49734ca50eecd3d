package polaristest_test

import (
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/testenv/polaristest"
	"github.com/dtmdrivers/drivers/testenv/polaristest/provider"
	"github.com/polarismesh/polaris-go/api"
	"github.com/polarismesh/polaris-go/pkg/model"
)

// TestLoadFigures reads the server's CPU time and counts the Discover requests
// a polaris-go consumer sends for a service.
func TestLoadFigures(t *testing.T) {
	srv := polaristest.Start(t)
	cpu0, err := srv.CPUTime()
	if err != nil {
		t.Fatal(err)
	}
	srv.Publish(t, "load-a", "127.0.0.1:1")
	ctx, err := provider.NewSDK(srv.GRPCAddr(), t.TempDir(), "", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ctx.Destroy)
	c := api.NewConsumerAPIByContext(ctx)
	deadline := time.Now().Add(20 * time.Second)
	var counts map[string]int
	for {
		_, _ = c.GetAllInstances(&api.GetAllInstancesRequest{GetAllInstancesRequest: model.GetAllInstancesRequest{
			Namespace: polaristest.Namespace, Service: "load-a"}})
		counts, err = srv.DiscoverRequests("load-a", "load-b")
		if err != nil {
			t.Fatal(err)
		}
		if counts["load-a"] >= 2 || time.Now().After(deadline) {
			break
		}
		select {
		case <-t.Context().Done():
			return
		case <-time.After(200 * time.Millisecond): // polling for a condition, with a deadline
		}
	}
	if counts["load-a"] < 2 || counts["load-b"] != 0 {
		t.Errorf("Discover requests %v; want at least 2 for load-a (a first read and a refresh) and none for load-b", counts)
	}
	cpu1, err := srv.CPUTime()
	if err != nil {
		t.Fatal(err)
	}
	if cpu1 <= cpu0 {
		t.Errorf("server CPU time %v then %v; want it to grow while the server works", cpu0, cpu1)
	}
	t.Logf("requests %v, server CPU %v", counts, cpu1-cpu0)
}
