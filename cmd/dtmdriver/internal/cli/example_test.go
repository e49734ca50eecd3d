package cli_test

import (
	"context"
	"os"

	"github.com/dtmdrivers/drivers/cmd/dtmdriver/internal/cli"
)

// Split a branch URI as dtm does: the driver owning its scheme, the server
// dtm dials and the gRPC method.
func ExampleRun_split() {
	code := cli.Run(context.Background(), []string{"split", "etcd://10.0.0.7:2379/trans.rpc/busi.Busi/TransIn"}, os.Stdout, os.Stderr)
	_ = code // 0: nothing wrong
	// Output:
	// uri:     etcd://10.0.0.7:2379/trans.rpc/busi.Busi/TransIn
	// driver:  dtm-driver-gozero
	// server:  etcd://10.0.0.7:2379/trans.rpc
	// method:  /busi.Busi/TransIn
}
