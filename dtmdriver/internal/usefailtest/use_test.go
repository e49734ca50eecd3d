package usefailtest

import (
	"sync/atomic"
	"testing"

	upstream "github.com/dtm-labs/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver"
)

const name = "dtm-driver-usefailtest"

// recordingDriver counts RegisterGrpcResolver calls.
type recordingDriver struct{ resolvers atomic.Int32 }

func (d *recordingDriver) GetName() string                                   { return name }
func (d *recordingDriver) RegisterGrpcResolver()                             { d.resolvers.Add(1) }
func (d *recordingDriver) RegisterGrpcService(target, endpoint string) error { return nil }
func (d *recordingDriver) ParseServerMethod(uri string) (string, string, error) {
	return dtmdriver.SplitMethod(uri)
}

var driver = &recordingDriver{}

func init() { dtmdriver.Register(driver) }

func TestFailedUseChangesNothing(t *testing.T) {
	// dtm v1.19.0 calls upstream's Use with its configured driver, "default" by default.
	if err := upstream.Use(dtmdriver.DefaultName); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := dtmdriver.Use(name); err == nil {
			t.Fatalf("dtmdriver.Use(%q) with upstream's default selected returned nil", name)
		}
	}
	if got := dtmdriver.GetDriver().GetName(); got != dtmdriver.DefaultName {
		t.Errorf("after a failed Use, dtmdriver.GetDriver() = %q, want %q", got, dtmdriver.DefaultName)
	}
	if got := upstream.GetDriver().GetName(); got != dtmdriver.DefaultName {
		t.Errorf("after a failed Use, upstream GetDriver() = %q, want %q", got, dtmdriver.DefaultName)
	}
	if n := driver.resolvers.Load(); n != 0 {
		t.Errorf("a failed Use called RegisterGrpcResolver %d times, want 0", n)
	}
	// The registries agree: the default driver can still be selected, and then
	// refuses the other driver in both.
	if err := dtmdriver.Use(dtmdriver.DefaultName); err != nil {
		t.Errorf("dtmdriver.Use(%q): %v", dtmdriver.DefaultName, err)
	}
	if err := upstream.Use(name); err == nil {
		t.Errorf("upstream Use(%q) after Use(default) returned nil", name)
	}
	if n := driver.resolvers.Load(); n != 0 {
		t.Errorf("RegisterGrpcResolver called %d times, want 0", n)
	}
}

// TestUseDefaultSelectsUpstreamDefault: after our Use("default"), dtm's own
// upstream.Use of another driver fails, as ours would, instead of selecting it
// upstream while ours keeps the default.
func TestUseDefaultSelectsUpstreamDefault(t *testing.T) {
	if err := dtmdriver.Use(dtmdriver.DefaultName); err != nil {
		t.Fatal(err)
	}
	if err := upstream.Use(name); err == nil {
		t.Errorf("upstream Use(%q) after dtmdriver.Use(default) returned nil", name)
	}
	if got := upstream.GetDriver().GetName(); got != dtmdriver.DefaultName {
		t.Errorf("upstream GetDriver() = %q, want %q", got, dtmdriver.DefaultName)
	}
}
