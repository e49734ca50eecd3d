package polaris

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"github.com/polarismesh/polaris-go/pkg/model"
	"github.com/polarismesh/polaris-go/pkg/model/pb"
	apimodel "github.com/polarismesh/specification/source/go/api/v1/model"
	apiservice "github.com/polarismesh/specification/source/go/api/v1/service_manage"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// How a resolver reads its service.
//
// polaris-go v1.6.1's consumer refreshes a watched service every two seconds
// (its default), and its watch only reports what that refresh found, so a
// change took three to four seconds to reach gRPC. The server answers the
// naming API polaris-go uses underneath, the Discover stream of the
// PolarisGRPC service, from its naming cache in well under a millisecond, and
// answers "no change" (a few bytes) when the request carries the revision of
// what the client already holds. So each resolver asks the server itself, every
// RefreshInterval, with the last revision it got: a change reaches gRPC within
// the server's own cache reload (one second, fixed in Polaris v1.18.1) plus one
// interval. Polaris v1.18.1 has nothing faster: its pushes (the Nacos and xDS
// APIs) are fired by the same cache reload.

// DefaultRefreshInterval is how often a resolver asks the Polaris server
// whether its service changed, when Config.RefreshInterval is zero.
const DefaultRefreshInterval = 100 * time.Millisecond

const (
	// streamRequests is how many requests one Discover stream carries before
	// the resolver opens another: Polaris v1.18.1 keeps a little memory per
	// request until its stream ends (a deferred metrics call in its loop).
	streamRequests = 256
	// discoverTimeout bounds one request and its answer.
	discoverTimeout = 5 * time.Second
	// tokenHeader is the metadata that carries the token, as polaris-go sends it.
	tokenHeader = "x-polaris-token"
)

// discoverRequests counts the Discover requests of every resolver in the
// process, for tests and benchmarks that measure the load on the server.
var discoverRequests atomic.Int64

// refreshInterval returns the interval between two reads of a service.
func (d *driver) refreshInterval() time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.opts.RefreshInterval > 0 {
		return d.opts.RefreshInterval
	}
	return DefaultRefreshInterval
}

// discoverConn is the gRPC connection of one set of servers and token to
// their naming API, shared by the resolvers of one sdk. gRPC's pick_first
// moves to the next server when one fails.
type discoverConn struct {
	conn  *grpc.ClientConn
	token string
}

var discoverSchemes atomic.Int64

func newDiscoverConn(sc serverConfig) (*discoverConn, error) {
	r := manual.NewBuilderWithScheme(fmt.Sprintf("dtm-polaris-servers-%d", discoverSchemes.Add(1)))
	state := resolver.State{Addresses: make([]resolver.Address, len(sc.addrs))}
	for i, a := range sc.addrs {
		state.Addresses[i] = resolver.Address{Addr: a}
	}
	r.InitialState(state)
	conn, err := grpc.NewClient(r.Scheme()+":///polaris",
		grpc.WithResolvers(r),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("polaris: connection to %s: %w", dtmdriver.Quote(strings.Join(sc.addrs, ",")), err)
	}
	return &discoverConn{conn: conn, token: sc.token}, nil
}

// discoverer reads one service through Discover streams on a discoverConn. It
// is owned by one resolver's goroutine.
type discoverer struct {
	key      model.ServiceKey
	stream   apiservice.PolarisGRPC_DiscoverClient
	cancel   context.CancelFunc
	sent     int
	revision string
}

// errNotFound is the answer for a service the server does not know (yet).
var errNotFound = errors.New("no such service in Polaris")

// fetch asks the server for the instances of the service. It returns changed
// false when the server says the instances are those of the last answer.
func (x *discoverer) fetch(c *discoverConn) (instances []model.Instance, changed bool, err error) {
	if x.stream == nil || x.sent >= streamRequests {
		x.close()
		ctx, cancel := context.WithCancel(context.Background())
		if c.token != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, tokenHeader, c.token)
		}
		stream, err := apiservice.NewPolarisGRPCClient(c.conn).Discover(ctx)
		if err != nil {
			cancel()
			return nil, false, err
		}
		x.stream, x.cancel, x.sent = stream, cancel, 0
	}
	x.sent++
	discoverRequests.Add(1)
	req := &apiservice.DiscoverRequest{
		Type: apiservice.DiscoverRequest_INSTANCE,
		Service: &apiservice.Service{
			Name:      wrapperspb.String(x.key.Service),
			Namespace: wrapperspb.String(x.key.Namespace),
			Revision:  wrapperspb.String(x.revision),
		},
	}
	// A server that stops answering without closing the connection: cancel
	// the stream, which ends Recv.
	timer := time.AfterFunc(discoverTimeout, x.cancel)
	resp, err := x.roundTrip(req)
	if !timer.Stop() && err != nil {
		err = fmt.Errorf("no answer within %v: %w", discoverTimeout, err)
	}
	if err != nil {
		x.close()
		return nil, false, err
	}
	switch code := apimodel.Code(resp.GetCode().GetValue()); code {
	case apimodel.Code_DataNoChange:
		return nil, false, nil
	case apimodel.Code_ExecuteSuccess:
	case apimodel.Code_NotFoundResource:
		changed = x.revision != "\x00notfound"
		x.revision = "\x00notfound" // no revision matches: the next answer counts
		return nil, changed, errNotFound
	default:
		// The server's own words: they never carry the token.
		return nil, false, fmt.Errorf("server answered %d (%s): %s", code, code, resp.GetInfo().GetValue())
	}
	x.revision = resp.GetService().GetRevision().GetValue()
	instances = make([]model.Instance, len(resp.GetInstances()))
	for i, in := range resp.GetInstances() {
		instances[i] = pb.NewInstanceInProto(in, &x.key, nil)
	}
	return instances, true, nil
}

func (x *discoverer) roundTrip(req *apiservice.DiscoverRequest) (*apiservice.DiscoverResponse, error) {
	if err := x.stream.Send(req); err != nil {
		return nil, err
	}
	return x.stream.Recv()
}

// close ends the current stream, if any.
func (x *discoverer) close() {
	if x.cancel != nil {
		x.cancel()
	}
	x.stream, x.cancel, x.sent = nil, nil, 0
}

// discoverConnOf returns s's connection to the naming API, made on first use.
func (s *sdk) discoverConnOf() (*discoverConn, error) {
	s.discMu.Lock()
	defer s.discMu.Unlock()
	if s.disc == nil {
		c, err := newDiscoverConn(s.sc)
		if err != nil {
			return nil, err
		}
		s.disc = c
	}
	return s.disc, nil
}

// closeDiscover closes s's connection to the naming API.
func (s *sdk) closeDiscover() {
	s.discMu.Lock()
	defer s.discMu.Unlock()
	if s.disc != nil {
		_ = s.disc.conn.Close()
		s.disc = nil
	}
}

// fetch reads the resolver's service from the server. On an error it has
// already logged it and, unless addresses were reported before (gRPC keeps
// serving those), reported it to gRPC. A service the server does not know is
// no error: it has no instances (yet).
func (r *polarisResolver) fetch() (instances []model.Instance, changed bool, err error) {
	conn, err := r.sdk.discoverConnOf()
	if err == nil {
		instances, changed, err = r.disc.fetch(conn)
	}
	switch {
	case errors.Is(err, errNotFound):
		if changed {
			r.log.Debug("polaris: the service is not known to the server (yet)")
		}
		return nil, changed, nil
	case err != nil && r.reported:
		r.logOnce(slog.LevelWarn, "polaris: lookup failed; keeping the last known addresses", err)
		return nil, false, err
	case err != nil:
		r.fail(fmt.Errorf("polaris: instances of %s: %w", dtmdriver.Quote(r.target.String()), err))
		return nil, false, err
	}
	return instances, changed, nil
}
