// Package consul is the dtm driver for Consul service discovery: a gRPC
// resolver on Consul's health endpoint with blocking queries, and the
// registration of dtm itself with a health check. A blank import registers it
// as "dtm-driver-consul".
//
// # URLs
//
// Branch URIs name a Consul agent, a service and, optionally, query options;
// the gRPC method is always the last two path segments:
//
//	consul://agent:8500/service/package.Service/Method
//	consul://agent:8500/service?option=value&.../package.Service/Method   (go-zero's form)
//	consul://agent:8500/service/package.Service/Method?option=value&...
//	consul:///service/package.Service/Method   (the configured agent)
//	host:port/package.Service/Method           (one server, directly)
//
// The query belongs to the server wherever it stands. Options, parsed when gRPC
// builds the resolver and checked cheaply by ParseServerMethod:
//
//	healthy=true|false      passing instances only (default true); false adds critical ones
//	tag=t                   only instances with tag t; repeat for several (all must match)
//	dc=name                 datacenter (also datacenter=)
//	wait=30s                blocking query wait time, 1s to 10m (default 30s)
//	near=_agent             sort by round trip time from a node
//	limit=n                 at most n addresses (after sorting)
//	allow-stale, require-consistent=true|false   Consul's consistency modes
//	max-backoff=5s          longest pause between retries while the agent fails
//	timeout=d               accepted for go-zero URIs, ignored
//
// A token, "user:password@" or "insecure" in a branch URI is refused: dtm stores
// and logs branch URIs, so credentials and TLS settings come from the
// configuration below.
//
// An instance's address is its "grpc" tagged address when it has one (kratos'
// registry puts "grpc://host:port" there), else its service address and port,
// else its node's address. Calls go over the passing instances in proportion
// to their Consul weights (Weights.Passing, or Weights.Warning while a check
// warns) through the policy of package dtmdriver/weighted; equal weights, the
// default, rotate strictly as round robin does, and a weight of 0 counts as 1.
// When none passes, calls fail (or wait, with WaitForReady) with an error saying
// so.
//
// # Configuration
//
// dtm's server registers itself from its MicroService settings:
//
//	MicroService:
//	  Driver: dtm-driver-consul
//	  Target: consul://127.0.0.1:8500/dtmservice?tags=dtm&token=...
//	  EndPoint: 10.0.0.5:36790
//
// Registration target options: tags=a,b (or tag=, repeatable), token=
// (an ACL token with service:write), id= (the instance ID; default
// "<service>-<host>-<port>"), check=tcp|grpc (default tcp: dtm v1.19.0 does
// not serve gRPC health), interval= (default 10s), timeout= (default 5s or the
// interval) and deregister-after= (default 1m, Consul's minimum). The driver
// keeps the registration: when the agent no longer knows it (a restart
// without its data, a manual deregistration), it registers it again.
// [dtmdriver.Close] deregisters it.
//
// The resolvers [dtmdriver.Use] registers take, for an agent named in a
// branch URI or the configured agent of "consul:///service":
//
//   - the address: the URI's, else the registration target's, else
//     CONSUL_HTTP_ADDR, else localhost:8500;
//   - the ACL token: the registration target's token, sent only to the
//     registration target's agent; else CONSUL_HTTP_TOKEN or
//     CONSUL_HTTP_TOKEN_FILE, sent to every agent;
//   - TLS and the rest from the Consul API's own environment variables:
//     CONSUL_HTTP_SSL, CONSUL_CACERT, CONSUL_CAPATH, CONSUL_CLIENT_CERT,
//     CONSUL_CLIENT_KEY, CONSUL_TLS_SERVER_NAME, CONSUL_HTTP_SSL_VERIFY,
//     CONSUL_HTTP_AUTH, CONSUL_NAMESPACE, CONSUL_PARTITION (an https://
//     CONSUL_HTTP_ADDR also turns TLS on).
//
// The registration reads the same environment, with the target's agent and
// token first. Client apps can pass [NewBuilder] to grpc.WithResolvers with
// [WithToken], [WithConfig] and [WithLogger] instead.
//
// The driver logs through log/slog's default logger. No error or log line
// carries a token.
package consul
