// Command clientapp is a dtm client application as users write them: it
// blank-imports one driver (chosen at build time by a tag: protocol1, gozero,
// polaris or consul; see driver_*.go), selects it with github.com/dtm-labs/client's
// dtmgrpc.UseDriver (or, built with the extra tag use and run without -driver,
// by importing the driver's "use" package alone, as dtm's client examples
// do), reaches dtm through the driver (the dtm address is a
// registry URI, not host:port), and submits a transfer saga. It prints the gid;
// the caller asks dtm for the outcome.
//
// It uses github.com/dtm-labs/client, which cannot share a binary with the dtm
// server, so the end-to-end tests build it and run it as a process of its own:
//
//	go build -tags protocol1 ./cmd/clientapp
//	clientapp -driver dtm-driver-protocol1 -dtm protocol1://127.0.0.1:36790 \
//	  -out URI -out-revert URI -in URI -in-revert URI -from 1 -to 2 -amount 30
//
// With -dtm-http it reaches dtm's HTTP API instead, through the registry
// (e.g. consul://127.0.0.1:8500/dtmservice-http/api/dtmsvr), and submits a
// dtmcli saga whose branches are HTTP URLs in the driver's form: dtmcli's
// resty client resolves both through the middleware the driver installs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/dtm-labs/client/dtmgrpc"
	"github.com/dtm-labs/client/dtmgrpc/dtmgimp"
	"github.com/dtm-labs/logger"
	"github.com/dtmdrivers/drivers/e2e/internal/busi"
	"google.golang.org/protobuf/types/known/emptypb"
)

func main() {
	driver := flag.String("driver", "", "the driver's name, e.g. dtm-driver-protocol1; empty when the use package selected it")
	server := flag.String("dtm", "", "dtm's gRPC address in the driver's form")
	httpServer := flag.String("dtm-http", "", "dtm's HTTP API (…/api/dtmsvr) in the driver's HTTP form: "+
		"the saga is then a dtmcli saga and -out, -in… are HTTP URLs in the driver's form")
	out := flag.String("out", "", "branch URI of TransOut")
	outRevert := flag.String("out-revert", "", "branch URI of TransOutRevert")
	in := flag.String("in", "", "branch URI of TransIn")
	inRevert := flag.String("in-revert", "", "branch URI of TransInRevert")
	from := flag.Int("from", 1, "the paying user")
	to := flag.Int("to", 2, "the receiving user")
	amount := flag.Int64("amount", 30, "the amount")
	verbose := flag.Bool("v", false, "show dtm client logs")
	flag.Parse()
	if !*verbose {
		logger.InitLog2("error", "stderr", 0, "")
	}
	var (
		gid string
		err error
	)
	if *httpServer != "" {
		gid, err = runHTTP(*driver, *httpServer, *out, *outRevert, *in, *inRevert,
			busi.HTTPTransfer{User: *from, Amount: *amount}, busi.HTTPTransfer{User: *to, Amount: *amount})
	} else {
		gid, err = run(*driver, *server, *out, *outRevert, *in, *inRevert,
			busi.Transfer{User: *from, Amount: *amount}, busi.Transfer{User: *to, Amount: *amount})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "clientapp:", err)
		os.Exit(1)
	}
	fmt.Println("gid", gid)
}

func run(driver, server, out, outRevert, in, inRevert string, payer, payee busi.Transfer) (string, error) {
	if server == "" || out == "" || in == "" {
		return "", errors.New("-dtm, -out and -in are required")
	}
	// UseDriver is github.com/dtm-labs/dtmdriver's Use: the blank import in
	// driver_*.go registered the driver there. Built without a driver tag, the
	// app has none, and this fails naming the drivers it has. Built with the
	// use tag, the import selected the driver already.
	if driver != "" {
		if err := dtmgrpc.UseDriver(driver); err != nil {
			return "", fmt.Errorf("using driver %s: %w", driver, err)
		}
	}
	// dtmgrpc.MustGenGid panics; this is the same call with an error.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := dtmgimp.MustGetDtmClient(server).NewGid(ctx, &emptypb.Empty{})
	if err != nil {
		return "", fmt.Errorf("new gid from dtm at %s: %w", server, err)
	}
	saga := dtmgrpc.NewSagaGrpc(server, r.Gid).
		Add(out, outRevert, payer.Encode()).
		Add(in, inRevert, payee.Encode())
	if err := saga.Submit(); err != nil {
		return r.Gid, fmt.Errorf("submitting saga %s: %w", r.Gid, err)
	}
	return r.Gid, nil
}
