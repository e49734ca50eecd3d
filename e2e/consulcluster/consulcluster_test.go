// Package consulcluster runs the end-to-end tests through driver-consul on
// Consul in its production shape: three server agents and a client agent per
// dtm, the leader killed while sagas run.
package consulcluster

import (
	"testing"

	"github.com/dtmdrivers/drivers/e2e/internal/e2etest"
	row "github.com/dtmdrivers/drivers/e2e/internal/scenario/consul"
)

var scenario = row.NewCluster()

func TestMain(m *testing.M) { e2etest.Main(m, scenario) }

func TestE2E(t *testing.T) { e2etest.Run(t, scenario) }
