// Package gozero is the dtm driver for go-zero: it resolves branch URIs with
// go-zero's own zrpc resolvers (etcd, discov, direct, k8s) and registers the dtm
// server in etcd the way a go-zero zrpc server registers itself, so that go-zero
// services call dtm and dtm calls them. A blank import registers it as
// "dtm-driver-gozero".
//
// # URLs
//
// A branch URI is a server that go-zero's resolvers understand, then the gRPC
// method as the last two path segments:
//
//	etcd://host:port[,host:port]/key/package.Service/Method
//	etcd:///host:port[,host:port]/package.Service/Method?key=key
//	etcd:///host:port[,host:port]?key=key/package.Service/Method
//	discov://… (as etcd)
//	direct:///host:port[,host:port]/package.Service/Method
//	k8s://namespace/service:port/package.Service/Method
//	host:port/package.Service/Method
//
// The first is go-zero's legacy form: the hosts are the authority and the key is
// the rest of the path, which may hold '/'. The second is the form go-zero's
// resolver.BuildDiscovTarget writes, with the hosts in the path and the key in
// the query; ParseServerMethod moves a trailing query onto the server. Other
// schemes pass when gRPC has a resolver for them (dns:///host:port, for one).
// ParseServerMethod checks the server as go-zero will read it and refuses, with a
// reason, a URI it could not resolve, and any credentials in a branch URI.
//
// Calls spread over a service's instances with go-zero's p2c_ewma balancer, as a
// zrpc client's do: the driver's resolvers report it, because dtm dials with no
// balancing policy of its own.
//
// # Configuration
//
// On the dtm server:
//
//	MicroService:
//	  Driver: dtm-driver-gozero
//	  Target: etcd://h1:2379,h2:2379/dtmservice?user=u&password=p
//	  EndPoint: 10.0.0.5:36790
//
// RegisterGrpcService publishes EndPoint under Target's key as go-zero's
// discov.Publisher does, with an etcd client of its own: a lease, kept alive,
// restored when etcd comes back. A go-zero
// client with Etcd{Hosts: [h1:2379, h2:2379], Key: dtmservice} reaches dtm. The
// target takes user, password, certFile, certKeyFile, caCertFile,
// insecureSkipVerify and id parameters, as go-zero's discov.EtcdConf; "user:pass@"
// works too ('#' percent-encoded as %23). EndPoint follows
// [dtmdriver.CheckEndpoint]: an unspecified host or a scheme is refused.
// [dtmdriver.Close] revokes the lease and closes the client.
//
// Resolving takes the etcd account and TLS from the driver's configuration, never
// from branch URIs: the registration target's, for its hosts; else [Configure]'s;
// else the environment's ([ConfigFromEnv]: DTM_GOZERO_ETCD_USER,
// DTM_GOZERO_ETCD_PASSWORD, DTM_GOZERO_ETCD_CERT, DTM_GOZERO_ETCD_KEY,
// DTM_GOZERO_ETCD_CA, DTM_GOZERO_ETCD_INSECURE_SKIP_VERIFY); else none. A
// target's account never goes to other hosts. go-zero caches one etcd client per set of hosts for the
// life of the process, so configure before the first call through them.
//
// The first resolver built for a set of hosts checks, in the background, that
// etcd answers and lets the account read the key; until it does, calls fail
// within their own deadline with an error naming etcd and its hosts, instead of
// waiting on go-zero's endless retry.
package gozero
