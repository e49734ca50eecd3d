// Package balancer benchmarks a pick of dtmdriver/weighted's
// dtm_weighted_round_robin policy against gRPC's round_robin for `make bench`
// (table 5): both on real channels to real servers on loopback, the picker
// taken from the channel once every endpoint is ready.
package balancer
