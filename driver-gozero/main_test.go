package gozero_test

import (
	"flag"
	"fmt"
	"os"
	"testing"

	gozero "github.com/dtmdrivers/drivers/driver-gozero"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/testenv/etcdtest"
	"github.com/zeromicro/go-zero/core/logx"
)

// etcd is the package's one etcd, started by TestMain unless -short.
var etcd *etcdtest.Etcd

func TestMain(m *testing.M) {
	flag.Parse()
	logx.DisableStat()
	// Select the driver before etcd starts: gRPC's resolver registry is a map
	// without a lock, meant to be written before anything dials, and the
	// embedded etcd dials its own gateway.
	if err := dtmdriver.Use(gozero.DriverName); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if !testing.Short() {
		e, stop, err := etcdtest.StartMain()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		etcd = e
		code := m.Run()
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// needEtcd skips a test that needs etcd under -short.
func needEtcd(t testing.TB) *etcdtest.Etcd {
	t.Helper()
	if etcd == nil {
		t.Skip("needs etcd: not with -short")
	}
	return etcd
}
