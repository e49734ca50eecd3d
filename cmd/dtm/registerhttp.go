package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/dtm-labs/dtm/dtmsvr/config"
	"github.com/dtm-labs/logger"
	"github.com/dtmdrivers/drivers/dtmdriver"
)

var registerHTTP = flag.Bool("register-http", true,
	"publish dtm's HTTP endpoint (the host of MicroService.EndPoint, HttpPort) in the registry beside its gRPC one, "+
		"when the driver can (consul, polaris: as <service>-http, or the target's http-service option), "+
		"so that dtmcli apps reach dtm through the registry; Close withdraws it with the other")

// pingPath is dtm v1.19.0's liveness endpoint (dtmutil.GetGinApp).
const pingPath = "/api/ping"

// publishHTTP registers dtm's HTTP endpoint when the flag is on, a target is
// configured and the driver implements dtmdriver.HTTPRegistrar. It waits,
// at most wait, for dtm's HTTP API to answer first, so that the registry's
// health check passes at once. A failure is logged: dtm keeps serving, and
// its gRPC registration stands.
func publishHTTP(conf *config.Type, wait time.Duration) {
	target := conf.MicroService.Target
	if !*registerHTTP || target == "" {
		return
	}
	hr, ok := dtmdriver.GetDriver().(dtmdriver.HTTPRegistrar)
	if !ok {
		return
	}
	endpoint, err := httpEndpoint(conf.MicroService.EndPoint, conf.HTTPPort)
	if err != nil {
		logger.Errorf("dtm: not publishing its HTTP endpoint: %v", err)
		return
	}
	if err := waitPing(endpoint, wait); err != nil {
		logger.Warnf("dtm: its HTTP API at %s does not answer yet (%v); publishing it anyway", endpoint, err)
	}
	if err := hr.RegisterHTTPService(target, endpoint); err != nil {
		logger.Errorf("dtm: publishing its HTTP endpoint %s under %s: %v", endpoint, dtmdriver.Redact(target), err)
		return
	}
	logger.Infof("dtm: HTTP endpoint %s published under %s", endpoint, dtmdriver.Redact(target))
}

// httpEndpoint is the host of dtm's gRPC endpoint (host:port) with the HTTP
// port: what clients dial for dtm's HTTP API.
func httpEndpoint(grpcEndpoint string, httpPort int64) (string, error) {
	host, _, err := net.SplitHostPort(grpcEndpoint)
	if err != nil || host == "" {
		return "", fmt.Errorf("MicroService.EndPoint %s is not host:port", dtmdriver.Quote(grpcEndpoint))
	}
	if httpPort <= 0 || httpPort > 65535 {
		return "", fmt.Errorf("HttpPort %d is not a port", httpPort)
	}
	return net.JoinHostPort(host, strconv.FormatInt(httpPort, 10)), nil
}

// waitPing polls dtm's ping endpoint until it answers 200 or wait passes.
func waitPing(endpoint string, wait time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+endpoint+pingPath, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		select {
		case <-ctx.Done():
			return err
		case <-tick.C:
		}
	}
}
