package e2etest

import (
	"net/url"
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"google.golang.org/grpc/resolver"
)

// watchResolver builds the selected driver's gRPC resolver for the server of
// uri (a dtm URI as clients write it) with a recorder as its ClientConn, and
// returns the recorder: what the resolver says about dtm, as a client of dtm
// sees it. The resolver is closed at the end of the test.
func watchResolver(t *testing.T, uri string) *dtmdrivertest.Recorder {
	t.Helper()
	server, _, err := dtmdriver.GetDriver().ParseServerMethod(uri + "/dtmgimp.Dtm/NewGid")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("the driver's server %q: %v", server, err)
	}
	b := resolver.Get(u.Scheme)
	if b == nil {
		t.Fatalf("no gRPC resolver for scheme %q", u.Scheme)
	}
	rec := dtmdrivertest.NewRecorder()
	dtmdrivertest.BuildResolver(t, b, server, rec)
	return rec
}
