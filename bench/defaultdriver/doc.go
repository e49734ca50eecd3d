// Package defaultdriver benchmarks our default driver for `make bench`. Each driver has a
// package of its own: a process links one driver, as dtm does (some frameworks'
// protobuf files clash when two are linked together).
package defaultdriver
