// Package collisiontest checks what happens when another package registers
// one of our driver names in github.com/dtm-labs/dtmdriver after us, as
// upstream's dtmdriver-gozero would if linked beside ours. It has a process
// of its own: the collision leaves the upstream registry holding the other
// driver.
package collisiontest

import (
	"strings"
	"testing"

	upstream "github.com/dtm-labs/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver"
)

const name = "dtm-driver-collision"

type ours struct{}

func (ours) GetName() string                                   { return name }
func (ours) RegisterGrpcResolver()                             {}
func (ours) RegisterGrpcService(target, endpoint string) error { return nil }
func (ours) ParseServerMethod(uri string) (string, string, error) {
	return dtmdriver.SplitMethod(uri)
}

// theirs implements upstream's interface directly, as upstream's drivers do.
type theirs struct{}

func (theirs) GetName() string                                      { return name }
func (theirs) RegisterAddrResolver()                                {}
func (theirs) RegisterService(target, endpoint string) error        { return nil }
func (theirs) ParseServerMethod(uri string) (string, string, error) { return "", "", nil }

var _ upstream.Driver = theirs{}

func TestUseRefusesAnUpstreamDriverOfTheSameName(t *testing.T) {
	dtmdriver.Register(ours{})
	upstream.Register(theirs{}) // initialised after ours: it wins upstream
	err := dtmdriver.Use(name)
	if err == nil {
		t.Fatal("Use succeeded while github.com/dtm-labs/dtmdriver holds another driver of the same name")
	}
	for _, want := range []string{name, "collisiontest.theirs", "collisiontest.ours"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Use error %q does not name %q", err, want)
		}
	}
}
