package bridgetest

import (
	"errors"
	"sync/atomic"
	"testing"

	upstream "github.com/dtm-labs/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver"
)

// recordingDriver records what reaches it.
type recordingDriver struct {
	resolvers atomic.Int32
	target    atomic.Value
}

const name = "dtm-driver-bridgetest"

func (d *recordingDriver) GetName() string       { return name }
func (d *recordingDriver) RegisterGrpcResolver() { d.resolvers.Add(1) }
func (d *recordingDriver) RegisterGrpcService(target, endpoint string) error {
	d.target.Store(target + " " + endpoint)
	if target == "fail" {
		return errors.New("registration refused")
	}
	return nil
}
func (d *recordingDriver) ParseServerMethod(uri string) (string, string, error) {
	return dtmdriver.SplitMethod(uri)
}

var driver = &recordingDriver{}

// As a driver package does, register from init.
func init() { dtmdriver.Register(driver) }

// TestUpstreamReachesDriver uses only the upstream package, as dtm v1.19.0 does:
// Use(MicroService.Driver), GetDriver().RegisterService(Target, EndPoint), and
// GetDriver().ParseServerMethod for each branch.
func TestUpstreamReachesDriver(t *testing.T) {
	if err := upstream.Use(name); err != nil {
		t.Fatalf("upstream Use(%q): %v", name, err)
	}
	if err := upstream.Use(name); err != nil {
		t.Fatalf("upstream Use(%q) again: %v", name, err)
	}
	d := upstream.GetDriver()
	if d.GetName() != name {
		t.Fatalf("upstream GetDriver() = %q, want %q", d.GetName(), name)
	}
	if n := driver.resolvers.Load(); n != 1 {
		t.Errorf("RegisterGrpcResolver called %d times through upstream Use, want 1", n)
	}
	if err := d.RegisterService("etcd://h:2379/dtmservice", "10.0.0.5:36790"); err != nil {
		t.Fatal(err)
	}
	if got := driver.target.Load(); got != "etcd://h:2379/dtmservice 10.0.0.5:36790" {
		t.Errorf("RegisterGrpcService got %q", got)
	}
	if err := d.RegisterService("fail", "x"); err == nil {
		t.Error("RegisterService did not return the driver's error")
	}
	server, method, err := d.ParseServerMethod("etcd://h:2379/trans.rpc/busi.Busi/TransIn")
	if err != nil || server != "etcd://h:2379/trans.rpc" || method != "/busi.Busi/TransIn" {
		t.Errorf("ParseServerMethod = %q, %q, %v", server, method, err)
	}

	// Our registry followed upstream's Use.
	if got := dtmdriver.GetDriver().GetName(); got != name {
		t.Errorf("dtmdriver.GetDriver() = %q after upstream Use, want %q", got, name)
	}
	if err := dtmdriver.Use(name); err != nil {
		t.Errorf("dtmdriver.Use(%q) after upstream Use: %v", name, err)
	}
	if n := driver.resolvers.Load(); n != 1 {
		t.Errorf("RegisterGrpcResolver called %d times in all, want 1", n)
	}
}
