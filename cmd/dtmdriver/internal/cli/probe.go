package cli

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// newGidMethod is dtm's gRPC API call that changes nothing: a new global
// transaction ID. Its reply, dtmgimp.DtmGidReply{Gid string = 1}, has the wire
// form of a StringValue.
const newGidMethod = "/dtmgimp.Dtm/NewGid"

// Probe is one call of dtm's gRPC API on an address.
type Probe struct {
	Addr string `json:"addr"`
	// Answers is true when a dtm server answered: NewGid returned a gid.
	Answers bool   `json:"answers"`
	Gid     string `json:"gid,omitempty"`
	Latency string `json:"latency"`
	Error   string `json:"error,omitempty"`
}

// probeDtm calls dtm's NewGid on addr (host:port, plaintext gRPC as dtm
// serves it) within timeout.
func probeDtm(ctx context.Context, addr string, timeout time.Duration) Probe {
	p := Probe{Addr: addr}
	start := time.Now()
	defer func() { p.Latency = time.Since(start).Round(time.Millisecond).String() }()
	conn, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		p.Error = fmt.Sprintf("gRPC client for %s: %v", addr, err)
		p.Latency = time.Since(start).Round(time.Millisecond).String()
		return p
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var reply wrapperspb.StringValue
	err = conn.Invoke(ctx, newGidMethod, &emptypb.Empty{}, &reply)
	p.Latency = time.Since(start).Round(time.Millisecond).String()
	switch status.Code(err) {
	case codes.OK:
		p.Answers, p.Gid = true, reply.GetValue()
	case codes.Unimplemented:
		p.Error = "answers gRPC but not dtm's API (" + newGidMethod + " is unimplemented): not a dtm server"
	case codes.Unavailable:
		p.Error = fmt.Sprintf("does not answer: %s", status.Convert(err).Message())
	case codes.DeadlineExceeded:
		p.Error = fmt.Sprintf("no answer within %v (nothing listening, a firewall, or a wrong address)", timeout)
	default:
		p.Error = fmt.Sprintf("dtm's %s failed: %v", newGidMethod, err)
	}
	return p
}

// pingPath is dtm v1.19.0's HTTP liveness endpoint.
const pingPath = "/api/ping"

// probeHTTP calls dtm's HTTP ping on addr (host:port) within timeout.
func probeHTTP(ctx context.Context, addr string, timeout time.Duration) Probe {
	p := Probe{Addr: addr}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+pingPath, nil)
	if err != nil {
		p.Error = fmt.Sprintf("HTTP request for %s: %v", addr, err)
		return p
	}
	resp, err := http.DefaultClient.Do(req)
	p.Latency = time.Since(start).Round(time.Millisecond).String()
	if err != nil {
		p.Error = fmt.Sprintf("does not answer HTTP: %v", err)
		return p
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		p.Error = fmt.Sprintf("GET %s answered %s: not a dtm server", pingPath, resp.Status)
		return p
	}
	p.Answers = true
	return p
}
