package dtmdriver

import (
	"fmt"
	"log/slog"
	"sync"

	upstream "github.com/dtm-labs/dtmdriver"
)

// The dtm server v1.19.0 and github.com/dtm-labs/client look drivers up in
// github.com/dtm-labs/dtmdriver v0.0.6, whose interface names two methods
// differently. Every driver registered here is registered there too, through
// upstreamAdapter, so that a blank import of one of our drivers is enough for an
// unmodified dtm server or client app.

// upstreamAdapter presents a Driver under the upstream method names.
type upstreamAdapter struct{ d Driver }

var _ upstream.Driver = upstreamAdapter{}

func (a upstreamAdapter) GetName() string { return a.d.GetName() }

// RegisterAddrResolver is what upstream's Use calls: it selects the driver in our
// registry too, which calls RegisterGrpcResolver once.
func (a upstreamAdapter) RegisterAddrResolver() {
	if _, err := std.use(a.d.GetName()); err != nil {
		// Upstream gives this method no error to return: the process mixes two drivers.
		slog.Error("dtmdriver: github.com/dtm-labs/dtmdriver selected a driver that cannot be used",
			"driver", a.d.GetName(), "err", err)
	}
}

func (a upstreamAdapter) RegisterService(target, endpoint string) error {
	return a.d.RegisterGrpcService(target, endpoint)
}

func (a upstreamAdapter) ParseServerMethod(uri string) (string, string, error) {
	return a.d.ParseServerMethod(uri)
}

// upstreamMu serialises our calls into the upstream package, which has no lock.
var upstreamMu sync.Mutex

func registerUpstream(d Driver) {
	warnCollision(d.GetName(), fmt.Sprintf("%T", d))
	upstreamMu.Lock()
	defer upstreamMu.Unlock()
	upstream.Register(upstreamAdapter{d})
}

// useBoth selects the driver named name in std and in the upstream package, or
// returns an error and changes neither. Upstream cannot be asked which driver
// it has selected, and refuses a second one: so it is asked first, after std
// has checked name, and std selects name only once upstream agreed. Upstream's Use
// calls back into RegisterAddrResolver, which selects the driver in std.
// The default driver is selected upstream as upstream's own "default", which
// behaves the same, so that upstream then refuses another driver as r does.
func useBoth(name string) error {
	upstreamMu.Lock()
	defer upstreamMu.Unlock()
	if _, err := std.checkUse(name); err != nil {
		return err
	}
	if err := upstream.Use(name); err != nil {
		return fmt.Errorf("dtmdriver: selecting %q in github.com/dtm-labs/dtmdriver: %w", name, err)
	}
	if err := checkUpstreamHolds(name); err != nil {
		return err
	}
	_, err := std.use(name)
	return err
}

// checkUpstreamHolds returns an error when the upstream package selected
// another driver than ours under name: a package registered the same name
// there after ours did (upstream's own drivers keep our names).
func checkUpstreamHolds(name string) error {
	if name == DefaultName {
		return nil // upstream's own default, by design
	}
	ours, _ := std.lookup(name)
	if got, ok := upstream.GetDriver().(upstreamAdapter); !ok || got.d != ours {
		return fmt.Errorf("dtmdriver: github.com/dtm-labs/dtmdriver holds %T under the name %q, not this driver (%T): "+
			"another package registered the same name after it; link only one of them", upstream.GetDriver(), name, ours)
	}
	return nil
}
