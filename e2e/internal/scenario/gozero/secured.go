package gozero

import (
	"testing"

	gozero "github.com/dtmdrivers/drivers/driver-gozero"
	"github.com/dtmdrivers/drivers/e2e/internal/scenario"
	"github.com/dtmdrivers/drivers/testenv/etcdtest"
	"github.com/zeromicro/go-zero/core/discov"
	"google.golang.org/grpc"
)

// Accounts in the secured etcd: dtm's, in its registration target, and the
// test process's, which its zrpc servers register with and its dtm client
// resolves with. go-zero keeps one account per set of hosts and process.
const (
	dtmUser, dtmPassword = "dtm", "dtm-e2e-Pa55word"
	appUser, appPassword = "busi", "busi-e2e-Pa55word"
	wrongPassword        = "wrong-e2e-Pa55word"
)

// startSecured starts an etcd of its own with authentication on, for one test:
// the row's etcd stays open, since the in-process dtm and the other tests use
// it without an account. Stopping it at the end takes about 5 s (go-zero's
// cached clients keep streams open).
func startSecured(t *testing.T) *scenario.Secured {
	e := etcdtest.Start(t)
	e.EnableAuth(t,
		etcdtest.User{Name: dtmUser, Password: dtmPassword},
		etcdtest.User{Name: appUser, Password: appPassword})
	// The test process resolves dtm through this etcd with its own account;
	// the row's etcd keeps the in-process dtm's registration target's (none),
	// which the driver prefers for its hosts.
	if err := gozero.Configure(gozero.Config{User: appUser, Password: appPassword}); err != nil {
		t.Fatalf("configuring the driver's account for the secured etcd: %v", err)
	}
	list := e.List // the kit logs in as root
	target := "etcd://" + e.Endpoint() + "/" + dtmKey
	sc := &scenario.Scenario{
		Name:   "gozero-auth",
		Driver: gozero.DriverName,
		About:  "go-zero over an etcd with authentication on",
		Registration: func(grpcAddr string) (string, string) {
			return target + "?user=" + dtmUser + "&password=" + dtmPassword, grpcAddr
		},
		FindDTM:   scenario.FindByPath(list),
		Lookup:    list,
		DTMServer: func(string) string { return target },
		Serve: func(svc string, register func(*grpc.Server)) (string, func(), error) {
			return serveZrpc(discov.EtcdConf{Hosts: e.Endpoints(), Key: svc, User: appUser, Pass: appPassword}, register, list)
		},
		BranchURI: func(svc, method string) string { return branchURI(e.Endpoint(), svc, method) },
	}
	return &scenario.Secured{
		Scenario: sc,
		Refused: []scenario.Refusal{
			{Name: "no account", Want: "user name is empty",
				Registration: func(grpcAddr string) (string, string) { return target, grpcAddr }},
			{Name: "wrong password", Want: "authentication failed",
				Registration: func(grpcAddr string) (string, string) {
					return target + "?user=" + dtmUser + "&password=" + wrongPassword, grpcAddr
				}},
		},
		Secrets: []string{dtmPassword, appPassword, etcdtest.RootPassword, wrongPassword},
	}
}
