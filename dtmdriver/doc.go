// Package dtmdriver is the core of the dtmdrivers drivers: the [Driver] contract
// between dtm and a microservice framework's service discovery, the process-wide
// registry of drivers, the default driver, and the URI splitting every driver shares.
//
// # Using a driver
//
// A driver registers itself from its package's init, so a blank import makes it
// available; [Use] then selects it for the process:
//
//	import _ "github.com/dtmdrivers/drivers/driver-gozero"
//
//	if err := dtmdriver.Use("dtm-driver-gozero"); err != nil { ... }
//
// The dtm server does the same from its MicroService.Driver setting, then calls
// RegisterGrpcService(MicroService.Target, MicroService.EndPoint). Call [Close] at
// shutdown to withdraw that registration.
//
// The registry follows database/sql: [Register] panics on a nil driver, an empty
// name or a duplicate; [Use] is idempotent for one name and refuses a second.
//
// A composite driver, which routes each branch URI to another driver by its
// scheme ([Describer] tells which schemes a driver owns), is the one driver in
// use: it registers the others' gRPC resolvers with [RegisterResolvers], which
// shares Use's once per driver and selects nothing.
//
// A [Planner] reads a registration target without contacting anything and
// says what RegisterGrpcService would register and where ([Registration]),
// with the driver's own parser: the dtmdriver command checks a dtm
// configuration through it, so that it never reads a target otherwise than
// the driver does. A Registration's [Credentials] print as names only.
//
// # The upstream registry
//
// The dtm server v1.19.0 and github.com/dtm-labs/client look drivers up in
// github.com/dtm-labs/dtmdriver, whose interface calls two of the methods
// RegisterAddrResolver and RegisterService. [Register] also registers every driver
// but the default one there, through an adapter, and [Use] selects it there too.
// So a blank import of a driver is all an unmodified dtm server or client app needs;
// their calls to that package's Use and GetDriver reach the driver registered here.
//
// # Branch URIs
//
// A branch URI is a server followed by the gRPC method, always the last two path
// segments: "etcd://h:2379/trans.rpc/pkg.Svc/Method" is the server
// "etcd://h:2379/trans.rpc" and the method "/pkg.Svc/Method". A query belongs to the
// server, whether it stands before the method or at the end; see [URIForm.Split].
// The default driver takes "host:port/package.Service/Method" only.
//
// Branch URIs carry no secrets: dtm stores them and logs them. Drivers take resolver
// credentials from their own configuration, and refuse any in a branch URI with
// [RefuseCredentials]. Errors about URIs quote them through [Redact] all the same,
// stay short whatever the input, and wrap [ErrBadURI]; a reason quotes a part of
// the input only through [Quote], and an option name only through [OptionName].
//
// dtm parses the same few URIs on every branch call, so every driver puts a
// [ParseCache] in front of its parse: a bounded memo of recent splits that
// answers with a hash and a comparison, without allocating, and stores only
// URIs seen twice. [SetParseCaching] turns every cache off. The parse itself
// reads the common shape of URI 8 bytes at a time and keeps every check.
//
// # Weights
//
// Package weighted is a gRPC balancer policy, dtm_weighted_round_robin, that
// spreads calls in proportion to per-endpoint weights a resolver sets (the
// Consul and Polaris drivers pass their registries' instance weights).
//
// # HTTP branches
//
// dtm v1.19.0 and github.com/dtm-labs/client v1.18.7 send every HTTP request
// (dtm's HTTP branches, a dtmcli app's calls to dtm) through a resty client
// whose OnBeforeRequest runs github.com/dtm-labs/dtmdriver's Middlewares.HTTP.
// When the selected driver implements [HTTPResolver], selecting it ([Use], or
// upstream's Use through the adapter) appends one middleware there, once per
// process ([HTTPMiddleware]): a URL of the driver's scheme, such as
// "consul://127.0.0.1:8500/busi-http/api/busi/TransOut", is rewritten to a
// healthy instance's "http://ip:port/api/busi/TransOut"; "http://" and
// "https://" URLs return before any driver code, without allocating.
// Drivers build their resolution on [HTTPWatches]: a watch per service, round
// robin, the last known instances while the registry is unreachable, and a
// bounded wait ([DefaultHTTPResolveTimeout]) instead of a hang. A driver that
// implements [HTTPRegistrar] also publishes dtm's HTTP endpoint (cmd/dtm calls
// it), and [Description].HTTPForms names its HTTP URL forms.
//
// # Writing a driver
//
// Start from driver-protocol1, the template, and run the conformance suite in
// package dtmdrivertest from the driver's tests. RegisterGrpcService checks dtm's
// endpoint with [CheckEndpoint], the one policy every driver applies: host:port,
// no scheme, no unspecified host.
package dtmdriver
