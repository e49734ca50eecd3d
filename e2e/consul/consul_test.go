package consul

import (
	"testing"

	"github.com/dtmdrivers/drivers/e2e/internal/e2etest"
	row "github.com/dtmdrivers/drivers/e2e/internal/scenario/consul"
)

var scenario = row.New()

func TestMain(m *testing.M) { e2etest.Main(m, scenario) }

func TestE2E(t *testing.T) { e2etest.Run(t, scenario) }
