package main

import (
	"errors"
	"fmt"

	"github.com/dtm-labs/client/dtmcli"
	"github.com/dtm-labs/client/dtmgrpc"
	"github.com/dtmdrivers/drivers/e2e/internal/busi"
)

// runHTTP submits a dtmcli saga to dtm's HTTP API at server, a URL in the
// driver's HTTP form, as a dtmcli app does: nothing but the driver's
// selection differs from an app that names dtm by host:port.
func runHTTP(driver, server, out, outRevert, in, inRevert string, payer, payee busi.HTTPTransfer) (string, error) {
	if out == "" || in == "" {
		return "", errors.New("-dtm-http, -out and -in are required")
	}
	if driver != "" {
		if err := dtmgrpc.UseDriver(driver); err != nil {
			return "", fmt.Errorf("using driver %s: %w", driver, err)
		}
	}
	// dtmcli.MustGenGid panics; this is the same request with an error.
	var res struct {
		Gid string `json:"gid"`
	}
	resp, err := dtmcli.GetRestyClient().R().SetResult(&res).Get(server + "/newGid")
	if err != nil {
		return "", fmt.Errorf("new gid from dtm at %s: %w", server, err)
	}
	if resp.StatusCode() != 200 || res.Gid == "" {
		return "", fmt.Errorf("new gid from dtm at %s: %s %s", server, resp.Status(), resp)
	}
	saga := dtmcli.NewSaga(server, res.Gid).
		Add(out, outRevert, payer).
		Add(in, inRevert, payee)
	if err := saga.Submit(); err != nil {
		return res.Gid, fmt.Errorf("submitting saga %s: %w", res.Gid, err)
	}
	return res.Gid, nil
}
