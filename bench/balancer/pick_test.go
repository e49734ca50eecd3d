package balancer

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver/dtmdrivertest"
	"github.com/dtmdrivers/drivers/dtmdriver/weighted"
	"google.golang.org/grpc"
	"google.golang.org/grpc/balancer"
	"google.golang.org/grpc/balancer/roundrobin"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"
)

// capture is a policy that is another one (inner), keeping the last picker
// it gives the channel while ready: the benchmark calls that picker.
type capture struct {
	inner  string
	mu     sync.Mutex
	picker balancer.Picker
}

func (c *capture) Name() string { return "bench_capture_" + c.inner }

func (c *capture) Build(cc balancer.ClientConn, opts balancer.BuildOptions) balancer.Balancer {
	return balancer.Get(c.inner).Build(&captureCC{ClientConn: cc, c: c}, opts)
}

func (c *capture) last() balancer.Picker {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.picker
}

type captureCC struct {
	balancer.ClientConn
	c *capture
}

func (cc *captureCC) UpdateState(s balancer.State) {
	if s.ConnectivityState == connectivity.Ready {
		cc.c.mu.Lock()
		cc.c.picker = s.Picker
		cc.c.mu.Unlock()
	}
	cc.ClientConn.UpdateState(s)
}

var (
	roundRobin = &capture{inner: roundrobin.Name}
	weightedRR = &capture{inner: weighted.Name}
)

func init() {
	balancer.Register(roundRobin)
	balancer.Register(weightedRR)
}

// readyPicker dials n servers with weights through policy and returns its
// picker once every server has answered a call.
func readyPicker(b *testing.B, policy *capture, weights []uint32) balancer.Picker {
	servers := dtmdrivertest.StartCountingServers(b, len(weights))
	eps := make([]resolver.Endpoint, len(servers))
	for i, s := range servers {
		eps[i] = weighted.SetWeight(resolver.Endpoint{Addresses: []resolver.Address{{Addr: s.Addr}}}, weights[i])
	}
	r := manual.NewBuilderWithScheme("bench")
	r.InitialState(resolver.State{Endpoints: eps})
	conn, err := grpc.NewClient("bench:///pick", grpc.WithResolvers(r),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(fmt.Sprintf(`{"loadBalancingConfig":[{%q:{}}]}`, policy.Name())))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = conn.Close() })
	dtmdrivertest.WaitFor(b, 30*time.Second, "every server answers", func() bool {
		dtmdrivertest.CallShares(b, conn, servers, 2*len(servers))
		for _, s := range servers {
			if s.Calls.Load() == 0 {
				return false
			}
		}
		return true
	})
	return policy.last()
}

// BenchmarkPick times one pick (the balancer's share of every call) of each
// policy over ready endpoints, sequentially and from GOMAXPROCS goroutines.
func BenchmarkPick(b *testing.B) {
	equal3, equal50 := []uint32{1, 1, 1}, make([]uint32, 50)
	for i := range equal50 {
		equal50[i] = 1
	}
	skewed3, skewed50 := []uint32{1, 2, 7}, make([]uint32, 50)
	for i := range skewed50 {
		skewed50[i] = uint32(1 + i%10*100)
	}
	cases := []struct {
		name    string
		weights []uint32
	}{
		{"endpoints=3/equal", equal3},
		{"endpoints=3/1:2:7", skewed3},
		{"endpoints=50/equal", equal50},
		{"endpoints=50/1..901", skewed50},
	}
	info := balancer.PickInfo{FullMethodName: "/grpc.health.v1.Health/Check", Ctx: context.Background()}
	for _, c := range cases {
		for _, p := range []*capture{roundRobin, weightedRR} {
			b.Run(c.name+"/"+p.inner, func(b *testing.B) {
				picker := readyPicker(b, p, c.weights)
				b.Run("seq", func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if _, err := picker.Pick(info); err != nil {
							b.Fatal(err)
						}
					}
				})
				b.Run("parallel", func(b *testing.B) {
					b.ReportAllocs()
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if _, err := picker.Pick(info); err != nil {
								b.Error(err)
								return
							}
						}
					})
				})
			})
		}
	}
}
