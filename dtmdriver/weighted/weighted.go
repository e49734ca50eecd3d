package weighted

import (
	"math/rand/v2"
	"sync/atomic"

	"google.golang.org/grpc/balancer"
	"google.golang.org/grpc/balancer/endpointsharding"
	"google.golang.org/grpc/balancer/pickfirst"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/resolver"
)

// Name is the name of the policy in a service config.
const Name = "dtm_weighted_round_robin"

// ServiceConfig is the service config that selects the policy.
const ServiceConfig = `{"loadBalancingConfig":[{"` + Name + `":{}}]}`

// maxOrder bounds the sum of the weights the order is built from.
const maxOrder = 10_000

func init() { balancer.Register(builder{}) }

// weightKey keys an endpoint's weight in its attributes.
type weightKey struct{}

// SetWeight returns e with weight w, which the policy reads with [Weight].
func SetWeight(e resolver.Endpoint, w uint32) resolver.Endpoint {
	e.Attributes = e.Attributes.WithValue(weightKey{}, w)
	return e
}

// Weight returns the weight [SetWeight] gave e: 1 when it has none, or 0.
func Weight(e resolver.Endpoint) uint32 {
	if w, _ := e.Attributes.Value(weightKey{}).(uint32); w > 0 {
		return w
	}
	return 1
}

type builder struct{}

func (builder) Name() string { return Name }

func (builder) Build(cc balancer.ClientConn, opts balancer.BuildOptions) balancer.Balancer {
	b := &weightedBalancer{ClientConn: cc}
	b.child = endpointsharding.NewBalancer(b, opts, balancer.Get(pickfirst.Name).Build, endpointsharding.Options{})
	return b
}

// weightedBalancer is endpointsharding with pick_first children, as gRPC's
// round_robin, standing between it and the channel as its ClientConn: it
// replaces the child's round-robin picker with a weighted one.
type weightedBalancer struct {
	balancer.ClientConn // the channel's
	child               balancer.Balancer
}

func (b *weightedBalancer) UpdateClientConnState(s balancer.ClientConnState) error {
	// As round_robin: pick_first children honour client-side health checks.
	return b.child.UpdateClientConnState(balancer.ClientConnState{ResolverState: pickfirst.EnableHealthListener(s.ResolverState)})
}

func (b *weightedBalancer) ResolverError(err error) { b.child.ResolverError(err) }

// UpdateSubConnState is never called: the children's SubConns report
// through their StateListener, as in endpointsharding.
func (b *weightedBalancer) UpdateSubConnState(balancer.SubConn, balancer.SubConnState) {}

func (b *weightedBalancer) Close()    { b.child.Close() }
func (b *weightedBalancer) ExitIdle() { b.child.ExitIdle() }

// UpdateState takes the child's state: with ready endpoints, it passes on a
// weighted picker over them; otherwise the child's own picker (it queues
// calls while connecting, fails them with the last error in failure).
func (b *weightedBalancer) UpdateState(s balancer.State) {
	var ready []endpointsharding.ChildState
	for _, c := range endpointsharding.ChildStatesFromPicker(s.Picker) {
		if c.State.ConnectivityState == connectivity.Ready {
			ready = append(ready, c)
		}
	}
	if len(ready) == 0 {
		b.ClientConn.UpdateState(s)
		return
	}
	pickers := make([]balancer.Picker, len(ready))
	weights := make([]uint32, len(ready))
	for i, c := range ready {
		pickers[i], weights[i] = c.State.Picker, Weight(c.Endpoint)
	}
	order := smoothOrder(weights)
	p := &picker{pickers: pickers, order: order}
	p.next.Store(rand.Uint32N(uint32(len(order)))) // as round_robin: start anywhere
	b.ClientConn.UpdateState(balancer.State{ConnectivityState: connectivity.Ready, Picker: p})
}

// picker follows order, an index into pickers per call.
type picker struct {
	pickers []balancer.Picker
	order   []uint32
	next    atomic.Uint32
}

func (p *picker) Pick(info balancer.PickInfo) (balancer.PickResult, error) {
	i := p.next.Add(1)
	return p.pickers[p.order[i%uint32(len(p.order))]].Pick(info)
}

// smoothOrder returns the order in which smooth weighted round robin visits
// indexes of weights (all > 0) over one cycle: each index as often as its
// weight, reduced by the weights' greatest common divisor and, when they
// still sum to more than maxOrder, scaled down to about that sum.
func smoothOrder(weights []uint32) []uint32 {
	g := uint64(0)
	for _, w := range weights {
		g = gcd(g, uint64(w))
	}
	w := make([]int64, len(weights))
	var sum int64
	for i, x := range weights {
		w[i] = int64(uint64(x) / g)
		sum += w[i]
	}
	if sum > maxOrder {
		scaled := int64(0)
		for i := range w {
			w[i] = max(1, (w[i]*maxOrder+sum/2)/sum)
			scaled += w[i]
		}
		sum = scaled
	}
	order := make([]uint32, 0, sum)
	current := make([]int64, len(w))
	for range sum {
		best := 0
		for i := range w {
			current[i] += w[i]
			if current[i] > current[best] {
				best = i
			}
		}
		current[best] -= sum
		order = append(order, uint32(best))
	}
	return order
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
