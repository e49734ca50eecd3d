// Package multi is a composite dtm driver: one dtm over several registries. A
// blank import registers it as "dtm-driver-multi"; it routes each branch URI to
// the linked driver that owns the URI's scheme, and registers dtm in every
// registry its target lists.
//
// It links no driver itself: it routes to the drivers the program links (the
// dtm server of cmd/dtm links them all). Each driver says which schemes it owns
// through [dtmdriver.Describer]; drivers that do not implement it are not routed.
//
// # URLs
//
// Every branch URI form of every linked driver, routed by its scheme, and the
// default driver's form for a URI without one:
//
//	etcd://127.0.0.1:2379/trans.rpc/busi.Busi/TransIn   -> dtm-driver-gozero
//	consul://127.0.0.1:8500/busi/busi.Busi/TransIn       -> dtm-driver-consul
//	polaris://busi/busi.Busi/TransIn                     -> dtm-driver-polaris
//	127.0.0.1:8081/busi.Busi/TransIn                     -> the default driver
//
// The routing table is built from the registered drivers at the first routing
// call (Use, which registers every routed driver's gRPC resolvers, then
// RegisterGrpcService and ParseServerMethod). A scheme that two drivers claim
// is refused, naming both; a scheme no driver owns is refused, naming the
// scheme and the linked drivers with their schemes. gRPC's own schemes (dns,
// unix, passthrough) are owned by no driver and are not routed.
//
// Routing costs a scan of the URI's scheme and a comparison with a handful of
// schemes: no allocation, no map.
//
// # Configuration
//
// dtm's MicroService.Target lists one registration target per registry,
// separated by spaces or ';', each in the form of the driver that owns its
// scheme. All are checked before any is registered; when one registration
// fails, those made before it are withdrawn. Close withdraws them all.
//
//	MicroService:
//	  Driver: dtm-driver-multi
//	  Target: etcd://127.0.0.1:2379/dtmservice; consul://127.0.0.1:8500/dtmservice; polaris://127.0.0.1:8091/dtmservice?namespace=default
//	  EndPoint: 127.0.0.1:36790
//
// # HTTP
//
// When a routed driver implements [dtmdriver.HTTPResolver] or
// [dtmdriver.HTTPRegistrar], ResolveHTTP and RegisterHTTPService route to it
// by scheme the same way.
//
// # Client apps
//
// A client app selects it with a blank import of
// "github.com/dtmdrivers/drivers/driver-multi/use", beside blank imports of
// the drivers it routes to.
package multi
