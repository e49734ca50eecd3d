// Package weighted is a gRPC load-balancing policy that spreads calls over a
// target's endpoints in proportion to weights its resolver sets: the weights
// registries carry per instance (Consul's Weights.Passing, a Polaris
// instance's weight) for machines of different sizes (dtm issue 363).
//
// gRPC ships no policy that takes weights from the resolver: its
// weighted_round_robin computes them from the servers' own load reports
// (ORCA), and weighted_target weighs clusters of xDS, not endpoints.
//
// # Use
//
// A resolver sets each endpoint's weight with [SetWeight] and selects the
// policy in its service config, [ServiceConfig]; importing the package
// registers it as [Name]:
//
//	ep := weighted.SetWeight(resolver.Endpoint{Addresses: addrs}, 7)
//	cc.UpdateState(resolver.State{
//		Endpoints:     []resolver.Endpoint{ep, ...},
//		ServiceConfig: cc.ParseServiceConfig(weighted.ServiceConfig),
//	})
//
// # Behaviour
//
// Like gRPC's round_robin, it keeps one pick_first child per endpoint
// (endpointsharding) and picks among the ready ones; it reconnects lost ones
// and keeps calling the others meanwhile. Among ready endpoints it follows a
// fixed smooth weighted order (nginx's smooth weighted round robin, computed
// once per update): over any run of sum-of-weights calls each endpoint gets
// its weight's share, interleaved rather than in bursts. A weight of 0, or
// none, counts as 1: an instance registered without a weight gets an equal
// share, and one at 0 is not starved (deregister it, or fail its health
// check, to take it out). With equal weights the order is plain round robin.
// Weights are reduced by their greatest common divisor; when they still sum
// to more than 10,000 they are scaled down to that sum (rounded, at least 1
// each), which moves a share by at most 0.01% of the calls per endpoint of
// the target.
//
// A new resolver update with other weights takes effect on the next pick, as
// any other update: no connection is dropped.
//
// A pick costs an atomic increment and the pick of the chosen child, as with
// round_robin (see table 5 of docs/benchmarks.md).
package weighted
