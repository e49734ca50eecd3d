package protocol1

import (
	"fmt"
	"strings"
	"sync"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"google.golang.org/grpc/resolver"
)

// roundRobin spreads calls over every address; gRPC's default would pick the first.
const roundRobin = `{"loadBalancingConfig":[{"round_robin":{}}]}`

var registerOnce sync.Once

func registerResolver() { registerOnce.Do(func() { resolver.Register(builder{}) }) }

// NewBuilder returns the resolver builder for the "protocol1" scheme, for a client
// that passes it to grpc.WithResolvers instead of registering it globally.
func NewBuilder() resolver.Builder { return builder{} }

// builder resolves "protocol1://h1:p1,h2:p2" (or "protocol1:///h1:p1,h2:p2") once,
// at Build: the list is static.
// FRAMEWORK: a registry-backed builder starts a watch here and pushes every change
// with cc.UpdateState until Close.
type builder struct{}

func (builder) Scheme() string { return Scheme }

func (builder) Build(target resolver.Target, cc resolver.ClientConn, _ resolver.BuildOptions) (resolver.Resolver, error) {
	list := target.URL.Host
	if list == "" {
		list = target.Endpoint()
	}
	if reason := checkAddrs(list); reason != "" {
		return nil, fmt.Errorf("protocol1 resolver: target %s: %s", dtmdriver.Quote(target.URL.String()), reason)
	}
	var addrs []resolver.Address
	for addr := range strings.SplitSeq(list, ",") {
		addrs = append(addrs, resolver.Address{Addr: addr})
	}
	state := resolver.State{Addresses: addrs, ServiceConfig: cc.ParseServiceConfig(roundRobin)}
	if err := cc.UpdateState(state); err != nil {
		return nil, fmt.Errorf("protocol1 resolver: target %s: %w", dtmdriver.Quote(target.URL.String()), err)
	}
	return nopResolver{}, nil
}

// nopResolver has nothing to refresh or stop.
type nopResolver struct{}

func (nopResolver) ResolveNow(resolver.ResolveNowOptions) {}
func (nopResolver) Close()                                {}
