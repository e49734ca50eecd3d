// Package multi is the composite driver's end-to-end test: one dtm binary
// (cmd/dtm, as installed) with MicroService.Driver dtm-driver-multi,
// registered in etcd, Consul and Polaris at once, and business services in
// each of the three (a go-zero zrpc server in etcd, gRPC servers in Consul
// and in Polaris, registered each framework's way). Sagas span the three;
// a client app of each ecosystem reaches dtm through its own registry; the
// Consul agent stops while the other two keep working; SIGTERM withdraws dtm
// from all three. See e2e/README.md.
package multi
