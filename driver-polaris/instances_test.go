package polaris

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/testenv/polaristest"
)

// TestListInstances: the listing shows every instance, isolated ones too,
// with what the server holds for it; with a wrong token or no server it
// fails with an error that names the servers and not the token.
func TestListInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: needs a Polaris server")
	}
	srv := polaristest.Start(t, polaristest.WithAuth())
	a := dtmdrivertest.StartHealthServer(t, "list-a")
	b := dtmdrivertest.StartHealthServer(t, "list-b")
	srv.Publish(t, "listed", a)
	srv.Publish(t, "listed", b)
	bh, bp, _ := net.SplitHostPort(b)
	port, _ := strconv.Atoi(bp)
	srv.SetIsolated(t, polaristest.Namespace, "listed", bh, port, true)
	good := Config{Addresses: []string{srv.GRPCAddr()}, Token: srv.Token()}

	var got []Instance
	dtmdrivertest.WaitFor(t, 10*time.Second, "both instances listed, one isolated", func() bool {
		var err error
		got, err = ListInstances(t.Context(), good, "", "listed")
		return err == nil && len(got) == 2 && got[0].Isolated != got[1].Isolated
	})
	for _, in := range got {
		addr := net.JoinHostPort(in.Host, strconv.Itoa(in.Port))
		if addr != a && addr != b || in.ID == "" || !in.Healthy || in.Weight != 100 || in.Isolated != (addr == b) {
			t.Errorf("listed %+v; want %s (isolated) or %s, healthy, weight 100, with an ID", in, b, a)
		}
	}

	if got, err := ListInstances(t.Context(), good, polaristest.Namespace, "no-such-service"); err != nil || len(got) != 0 || got == nil {
		t.Errorf("an unknown service: %v, %v; want an empty, non-nil list", got, err)
	}

	const wrong = "Wr0ngSecretTokenValue"
	_, err := ListInstances(t.Context(), Config{Addresses: []string{srv.GRPCAddr()}, Token: wrong}, "", "listed")
	if err == nil || strings.Contains(err.Error(), wrong) || !strings.Contains(err.Error(), srv.GRPCAddr()) {
		t.Errorf("with a wrong token: %v; want an error naming the server and not the token", err)
	}
	t.Logf("with a wrong token: %v", err)

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err = ListInstances(ctx, Config{Addresses: []string{"127.0.0.1:1"}}, "", "listed")
	if err == nil || time.Since(start) > 6*time.Second {
		t.Errorf("no server: %v after %v; want an error within the deadline", err, time.Since(start))
	}
	if _, err := ListInstances(t.Context(), Config{Addresses: []string{"nohostport"}}, "", "listed"); !errors.Is(err, dtmdriver.ErrBadURI) {
		t.Errorf("a malformed address: %v; want ErrBadURI", err)
	}
}
