// Package polaris is the dtm driver for Polaris service discovery, on
// polaris-go v1.6.1 directly: grpc-go-polaris does not compile with the gRPC
// versions the other drivers need, so this driver resolves through polaris-go
// and accepts the URI forms grpc-go-polaris users write. A blank import
// registers it as "dtm-driver-polaris".
//
// # URLs
//
// Branch URIs name a Polaris service; the gRPC method is always the last two
// path segments:
//
//	polaris://service/package.Service/Method
//	polaris://service?namespace=ns/package.Service/Method
//	polaris://service/package.Service/Method?namespace=ns
//	polaris://service?namespace=ns&metadata.env=blue/package.Service/Method
//	polaris://service?options=<base64url JSON>/package.Service/Method
//	host:port/package.Service/Method
//
// ParseServerMethod returns "polaris://service?query" as the gRPC
// target. The namespace defaults to "default" ([DefaultNamespace]). Each
// "metadata.<key>=<value>" parameter keeps only instances whose metadata has
// that value. The options form is grpc-go-polaris': base64url of a JSON object
// whose "Namespace" and "dst_metadata" fields the resolver honours (a namespace
// parameter wins over it); it is decoded by the resolver, once per connection.
// Service names and namespaces hold letters, digits, '.', '-' and '_'. Branch
// URIs carry no credentials: a token parameter is refused. The last form, with
// no scheme, names one server directly, as with the default driver.
//
// The resolver asks the Polaris server for the service every
// [Config.RefreshInterval] ([DefaultRefreshInterval], 100 ms) on the server's own
// naming API (the Discover stream polaris-go uses underneath), with the revision
// of its last answer, so an unchanged service costs one "no change" answer. It
// gives gRPC the instances that are healthy and not isolated, each with its
// Polaris weight, under the policy of package dtmdriver/weighted: calls in
// proportion to the weights (equal weights rotate strictly; 0 counts as 1). A
// change reaches gRPC within the server's naming cache reload (1 s) plus one
// interval. While the Polaris server is unreachable it keeps the last known
// addresses and asks again every second.
//
// # Configuration
//
// The dtm server registers itself with its MicroService settings:
//
//	MicroService:
//	  Driver: dtm-driver-polaris
//	  Target: polaris://127.0.0.1:8091/dtmservice?namespace=default&token=…&ttl=5
//	  EndPoint: 10.0.0.5:36790
//
// The target names the Polaris servers' gRPC addresses (comma-separated), the
// service, and optionally the namespace, the token, the heartbeat TTL in
// seconds (default [DefaultTTL], at most 3600) and "metadata.<key>=<value>"
// pairs for the instance. The endpoint is dtm's own gRPC address. The driver
// registers it, sends a heartbeat every half TTL, registers it again when the
// server has lost it, and isolates then deregisters it at [dtmdriver.Close] (a
// bare deregistration stays unseen by the server's naming cache when dtm's
// record is older than the server's cache.diffTime). It installs no
// signal handler: call dtmdriver.Close at shutdown.
//
// Resolvers find the Polaris servers, in this order: [Configure]; the
// registration target (on the dtm server); the environment variables
// DTM_POLARIS_ADDRESSES (comma-separated host:port) and DTM_POLARIS_TOKEN. With
// none of them, a connection fails with an error that says so. No polaris.yaml
// is read.
//
// polaris-go, which registers dtm, writes a local cache and logs. They go to [Config.Dir], else to
// DTM_POLARIS_DIR, else to "dtm-driver-polaris" under the user's cache
// directory (os.UserCacheDir, or os.TempDir), never to the working directory.
// polaris-go's loggers are process-wide: the directory of the last SDK context
// created wins.
//
// Resolvers that talk to the same servers with the same token share one gRPC
// connection to them, made on the first dial; polaris-go (one SDK context per
// servers and token) only serves dtm's registration and is created by it.
// dtmdriver.Close destroys both and stops the resolvers (gRPC connections keep
// the last addresses).
package polaris
