// Package dtmdrivercli tests the dtmdriver command as operators install it
// ($DTMDRIVERS_BIN/dtmdriver, go-installed by make check-publish) against a
// real dtm server, the dtm binary ($DTMDRIVERS_BIN/dtm): registered in a real
// etcd, check finds dtm registered and answering, resolve finds its address,
// and once dtm dies without withdrawing its registration, check says that the
// registered dtm does not answer; registered in a real Consul agent, check
// finds its gRPC and its HTTP registrations and both answer.
package dtmdrivercli
