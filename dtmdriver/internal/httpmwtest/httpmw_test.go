package httpmwtest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	upstream "github.com/dtm-labs/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/go-resty/resty/v2"
)

// fixedDriver owns "fixed://" HTTP URLs and sends them to one address.
type fixedDriver struct{ addr string }

func (*fixedDriver) GetName() string                                   { return "dtm-driver-httpmwtest" }
func (*fixedDriver) RegisterGrpcResolver()                             {}
func (*fixedDriver) RegisterGrpcService(target, endpoint string) error { return nil }
func (*fixedDriver) ParseServerMethod(uri string) (string, string, error) {
	return dtmdriver.SplitMethod(uri)
}
func (d *fixedDriver) ResolveHTTP(_ context.Context, url string) (string, bool, error) {
	rest, ok := strings.CutPrefix(url, "fixed://svc")
	if !ok {
		return url, false, nil
	}
	return "http://" + d.addr + rest, true, nil
}

var drv = &fixedDriver{}

func init() { dtmdriver.Register(drv) }

func TestUseInstallsOneMiddleware(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "reached "+r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	drv.addr = strings.TrimPrefix(srv.URL, "http://")

	before := len(upstream.Middlewares.HTTP)
	// Through upstream's Use, as the dtm server selects its driver, then ours.
	if err := upstream.Use(drv.GetName()); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := dtmdriver.Use(drv.GetName()); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(upstream.Middlewares.HTTP) - before; got != 1 {
		t.Fatalf("Use added %d middlewares; want 1", got)
	}
	// A resty client running Middlewares.HTTP in OnBeforeRequest, as
	// dtmimp.AddRestyMiddlewares does.
	c := resty.New()
	c.OnBeforeRequest(func(c *resty.Client, r *resty.Request) error {
		for _, m := range upstream.Middlewares.HTTP {
			if err := m(c, r); err != nil {
				return err
			}
		}
		return nil
	})
	resp, err := c.R().Get("fixed://svc/api/x")
	if err != nil || resp.String() != "reached /api/x" {
		t.Fatalf("GET fixed://svc/api/x = %q, %v; want it to reach the server", resp.String(), err)
	}
	got, err := dtmdriver.ResolveHTTPURL(context.Background(), "fixed://svc/y")
	if err != nil || got != "http://"+drv.addr+"/y" {
		t.Errorf("ResolveHTTPURL = %q, %v", got, err)
	}
}
