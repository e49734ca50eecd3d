// Command dtmdriver diagnoses dtm's service discovery, as etcdctl, consul
// catalog or grpcurl do for their worlds: which driver takes a branch URI and
// what it dials (split), what the registry gives for it now (resolve, with
// -watch), whether a dtm configuration's driver, target and endpoint are
// right and the dtm it registers answers (check), and which drivers are
// linked (drivers). Every driver of github.com/dtmdrivers/drivers is linked.
//
//	go install github.com/dtmdrivers/drivers/cmd/dtmdriver@latest
//	dtmdriver split etcd://10.0.0.7:2379/trans.rpc/busi.Busi/TransIn
//	dtmdriver resolve -watch consul://127.0.0.1:8500/busi
//	dtmdriver check -c /etc/dtm/conf.yml
//
// Every command takes -o json. Exit codes: 0 ok, 1 a failure found, 2 usage.
// Run dtmdriver help for the commands and dtmdriver help <command> for
// examples.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	// Before any driver: lets etcd's and polaris-go's "auth.proto" share the
	// binary, silently (see the package).
	_ "github.com/dtmdrivers/drivers/cmd/dtmdriver/internal/protofiles"

	"github.com/dtmdrivers/drivers/cmd/dtmdriver/internal/cli"
	"github.com/zeromicro/go-zero/core/logx"
)

func main() {
	quiet()
	// An interrupt ends resolve -watch: the command returns and exits 0.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// quiet keeps stdout for results: the drivers' log lines (log/slog) and
// go-zero's (logx, stdout by default) go to stderr, errors only unless
// DTMDRIVER_LOG=debug (or info, warn). The results say what went wrong.
func quiet() {
	level := slog.LevelError
	_ = level.UnmarshalText([]byte(os.Getenv("DTMDRIVER_LOG")))
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})))
	logx.DisableStat()
	logx.SetWriter(logx.NewWriter(os.Stderr))
	if level > slog.LevelInfo {
		logx.SetLevel(logx.ErrorLevel)
	}
}
