package gozero

import (
	"google.golang.org/grpc/balancer"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/serviceconfig"

	// Registers go-zero's p2c_ewma balancer, as every zrpc client has it.
	_ "github.com/zeromicro/go-zero/zrpc"
)

// A zrpc client balances with go-zero's p2c_ewma policy, which it sets as its
// default service config when it dials. dtm dials branch servers with no policy,
// and go-zero's resolvers report none, so gRPC would send every call to the first
// address (pick_first) until it fails. The driver's resolvers report p2c_ewma
// themselves: dtm's calls spread over the instances as a zrpc client's do. A
// zrpc client in the same process with the default BalancerName is unaffected;
// one configured with another balancer gets p2c_ewma too, since a resolver's
// service config wins over a dial's default.
const (
	p2cName       = "p2c_ewma"
	p2cConfig     = `{"loadBalancingConfig":[{"p2c_ewma":{}}]}`
	roundRobinCfg = `{"loadBalancingConfig":[{"round_robin":{}}]}`
)

// balancedBuilder wraps a go-zero resolver builder so that its resolvers report
// the zrpc balancing policy.
type balancedBuilder struct{ resolver.Builder }

func (b balancedBuilder) Build(target resolver.Target, cc resolver.ClientConn, opts resolver.BuildOptions) (resolver.Resolver, error) {
	cfg := p2cConfig
	if balancer.Get(p2cName) == nil { // go-zero renamed or dropped it
		cfg = roundRobinCfg
	}
	sc := cc.ParseServiceConfig(cfg)
	if sc.Err != nil {
		return b.Builder.Build(target, cc, opts)
	}
	return b.Builder.Build(target, &balancedConn{ClientConn: cc, sc: sc}, opts)
}

// balancedConn adds the balancing policy to every state that has no service
// config of its own.
type balancedConn struct {
	resolver.ClientConn
	sc *serviceconfig.ParseResult
}

func (c *balancedConn) UpdateState(s resolver.State) error {
	if s.ServiceConfig == nil {
		s.ServiceConfig = c.sc
	}
	return c.ClientConn.UpdateState(s)
}
