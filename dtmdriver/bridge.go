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

// useUpstream selects d in the upstream package. Its Use calls back into
// RegisterAddrResolver, which finds d already in use here and returns at once.
func useUpstream(d Driver) error {
	if d.GetName() == DefaultName {
		return nil // upstream has its own default driver, which behaves the same
	}
	upstreamMu.Lock()
	defer upstreamMu.Unlock()
	if err := upstream.Use(d.GetName()); err != nil {
		return fmt.Errorf("dtmdriver: selecting %q in github.com/dtm-labs/dtmdriver: %w", d.GetName(), err)
	}
	if got, ok := upstream.GetDriver().(upstreamAdapter); !ok || got.d != d {
		return fmt.Errorf("dtmdriver: github.com/dtm-labs/dtmdriver holds %T under the name %q, not this driver (%T): "+
			"another package registered the same name after it; link only one of them", upstream.GetDriver(), d.GetName(), d)
	}
	return nil
}
