package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dtm-labs/dtm/client/dtmcli"
	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/e2e/internal/busi"
	"github.com/dtmdrivers/drivers/e2e/internal/dtmserver"
	"github.com/dtmdrivers/drivers/e2e/internal/scenario"
)

// httpService is the HTTP business service of the story's last chapter.
const httpService = "busi-http"

// httpStory is the story's HTTP chapter (issue #13): dtm's HTTP API and two
// net/http busi instances in the registry, and a dtmcli saga whose dtm
// server and branches are all URLs in the driver's form, resolved by the
// middleware the driver installed. It appends what it starts to stops.
func httpStory(p *printer, dtm *dtmserver.Server, sc *scenario.Scenario, stops *[]func()) error {
	if sc.HTTP == nil {
		return nil
	}
	if hr, ok := dtmdriver.GetDriver().(dtmdriver.HTTPRegistrar); ok && sc.HTTP.DTMService != "" {
		t := time.Now()
		if err := hr.RegisterHTTPService(dtm.Target, dtm.HTTPAddr); err != nil {
			return fmt.Errorf("registering dtm's HTTP endpoint: %w", err)
		}
		err := scenario.PollTimeout(30*time.Second, 20*time.Millisecond, "dtm's HTTP endpoint in the registry", func() (bool, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			l, err := sc.Lookup(ctx, sc.HTTP.DTMService)
			return contains(l, dtm.HTTPAddr), err
		})
		if err != nil {
			return err
		}
		p.say("HTTP: dtm's HTTP API %s registered as %q (listed after %v)", dtm.HTTPAddr, sc.HTTP.DTMService, since(t))
	}
	bank := busi.NewBank(map[int]int64{1: openBalance, 2: openBalance})
	bank.OnCall = func(server, method string, t busi.Transfer) {
		p.say("    %s: %s over HTTP", server, describe(method, t))
	}
	var addrs []string
	for _, name := range []string{"busi-http-a", "busi-http-b"} {
		addr, stop, err := sc.HTTP.Serve(httpService, bank.HTTPHandler(name))
		if err != nil {
			return err
		}
		*stops = append(*stops, stop)
		addrs = append(addrs, name+" on "+addr)
	}
	p.say("HTTP busi: %s, two net/http instances of %q", strings.Join(addrs, " and "), httpService)
	server := sc.HTTP.DTM(dtm.HTTPAddr)
	url := func(m string) string { return sc.HTTP.URL(httpService, busi.HTTPPrefix+m) }
	p.say("  dtmcli reaches dtm at %s\n  branch URL %s", server, url("TransOut"))

	var res struct {
		Gid string `json:"gid"`
	}
	resp, err := dtmcli.GetRestyClient().R().SetResult(&res).Get(server + "/newGid")
	if err != nil || res.Gid == "" {
		return fmt.Errorf("new gid from dtm at %s: %v (%s)", server, err, resp)
	}
	p.say("HTTP saga %s: transfer %d from user 1 to user 2", res.Gid, okAmount)
	start := time.Now()
	s := dtmcli.NewSaga(server, res.Gid).
		Add(url("TransOut"), url("TransOutRevert"), busi.HTTPTransfer{User: 1, Amount: okAmount}).
		Add(url("TransIn"), url("TransInRevert"), busi.HTTPTransfer{User: 2, Amount: okAmount})
	_ = s.Submit() // the status dtm keeps says what happened
	tr, err := dtm.WaitFinal(res.Gid, "succeed", 20*time.Second, 5*time.Millisecond)
	if err != nil {
		return err
	}
	p.say("  dtm: %s after %v", tr.Status, since(start))
	p.say("  final status: %s (HTTP)", tr.Status)
	b1, b2 := bank.Balance(1), bank.Balance(2)
	p.say("HTTP balances: user 1 = %d, user 2 = %d", b1, b2)
	if b1 != openBalance-okAmount || b2 != openBalance+okAmount {
		return errors.New("HTTP balances do not add up")
	}
	return nil
}
