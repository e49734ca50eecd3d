// Command demo is what `make demo` runs: a short story told through one driver.
//
//	go run ./cmd/demo -driver protocol1
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/dtmdrivers/drivers/e2e/internal/busi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"

	_ "github.com/dtmdrivers/drivers/driver-protocol1"
)

func main() {
	driver := flag.String("driver", "protocol1", "the driver to show: protocol1")
	verbose := flag.Bool("v", false, "show library logs as well")
	flag.Parse()
	if !*verbose {
		slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	}
	start := time.Now()
	var err error
	switch *driver {
	case "protocol1":
		err = protocol1Demo(os.Stdout)
	default:
		err = fmt.Errorf("no demo for driver %q yet; available: protocol1", *driver)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
	fmt.Printf("demo finished in %v\n", time.Since(start).Round(time.Millisecond))
}

// protocol1Demo starts two real busi servers, calls them through protocol1 URIs as
// dtm would for a transfer saga, stops one server, and shows a malformed URI.
func protocol1Demo(out io.Writer) error {
	fmt.Fprintln(out, "driver dtm-driver-protocol1: branch URIs carry a static list of gRPC servers; no registry")
	if err := dtmdriver.Use("dtm-driver-protocol1"); err != nil {
		return err
	}
	bank := busi.NewBank(map[int]int64{1: 100, 2: 100})
	bank.OnCall = func(server, method string, t busi.Transfer) {
		switch method {
		case "TransOut":
			fmt.Fprintf(out, "  %s: TransOut %d from user %d\n", server, t.Amount, t.User)
		case "TransIn":
			fmt.Fprintf(out, "  %s: TransIn %d to user %d\n", server, t.Amount, t.User)
		default:
			fmt.Fprintf(out, "  %s: %s %d for user %d\n", server, method, t.Amount, t.User)
		}
	}
	var addrs []string
	var stops []func()
	for _, name := range []string{"busi-a", "busi-b"} {
		addr, stop, err := serve(bank, name)
		if err != nil {
			return err
		}
		defer stop()
		fmt.Fprintf(out, "started %s on %s\n", name, addr)
		addrs = append(addrs, addr)
		stops = append(stops, stop)
	}
	base := "protocol1://" + addrs[0] + "," + addrs[1]

	client := newClient()
	defer client.close()
	transfer := func(amount int64) error {
		fmt.Fprintf(out, "transfer %d from user 1 to user 2\n", amount)
		if err := client.call(base+"/busi.Busi/TransOut", busi.Transfer{User: 1, Amount: amount}); err != nil {
			return err
		}
		return client.call(base+"/busi.Busi/TransIn", busi.Transfer{User: 2, Amount: amount})
	}

	uri := base + "/busi.Busi/TransOut"
	server, method, err := dtmdriver.GetDriver().ParseServerMethod(uri)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "branch URI %s\n  resolves to gRPC target %s, method %s (round robin over both servers)\n", uri, server, method)
	for _, amount := range []int64{30, 20} {
		if err := transfer(amount); err != nil {
			return err
		}
	}
	fmt.Fprintln(out, "stopping busi-a: the list still names it, gRPC skips it")
	stops[0]()
	if err := transfer(10); err != nil {
		return err
	}
	fmt.Fprintf(out, "balances: user 1 = %d, user 2 = %d\n", bank.Balance(1), bank.Balance(2))
	if bank.Balance(1) != 40 || bank.Balance(2) != 160 {
		return errors.New("balances do not add up")
	}

	_, _, err = dtmdriver.GetDriver().ParseServerMethod("protocol1://localhost/busi.Busi/TransIn")
	fmt.Fprintf(out, "a malformed branch URI is refused with a clear error:\n  %v\n", err)
	return nil
}

func serve(bank *busi.Bank, name string) (addr string, stop func(), err error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := grpc.NewServer()
	bank.Register(srv, name)
	go func() { _ = srv.Serve(lis) }()
	return lis.Addr().String(), srv.Stop, nil
}

// client dials branch servers the way dtm does: ParseServerMethod, then one
// connection per server, reused.
type client struct{ conns map[string]*grpc.ClientConn }

func newClient() *client { return &client{conns: map[string]*grpc.ClientConn{}} }

func (c *client) call(uri string, t busi.Transfer) error {
	server, method, err := dtmdriver.GetDriver().ParseServerMethod(uri)
	if err != nil {
		return err
	}
	conn, ok := c.conns[server]
	if !ok {
		//lint:ignore SA1019 dtm dials branch servers with grpc.Dial.
		conn, err = grpc.Dial(server, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return fmt.Errorf("dial %s: %w", server, err)
		}
		c.conns[server] = conn
	}
	// A call caught on a server as it stops fails once; dtm would retry the branch.
	var lastErr error
	for range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		lastErr = conn.Invoke(ctx, method, t.Encode(), &emptypb.Empty{}, grpc.WaitForReady(true))
		cancel()
		if lastErr == nil {
			return nil
		}
	}
	return fmt.Errorf("call %s: %w", uri, lastErr)
}

func (c *client) close() {
	for _, conn := range c.conns {
		conn.Close()
	}
}
