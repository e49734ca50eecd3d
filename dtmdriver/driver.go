package dtmdriver

// Driver does service registration and discovery for dtm on top of gRPC.
//
// The method set is the one dtm's microservice guide defines. The dtm server calls
// [Use] with its configured driver name at start, then RegisterGrpcService with its
// MicroService.Target and MicroService.EndPoint, and ParseServerMethod for every gRPC
// branch call; the dtm gRPC SDK calls ParseServerMethod for every call it makes.
type Driver interface {
	// GetName returns the driver's name, "dtm-driver-<framework>" by convention.
	// dtm's configuration (MicroService.Driver) and [Use] refer to a driver by it.
	GetName() string

	// RegisterGrpcResolver registers the gRPC resolver builders for the driver's
	// schemes. The registry calls it once, from the first successful [Use].
	RegisterGrpcResolver()

	// RegisterGrpcService publishes dtm's own gRPC endpoint (host:port) under target,
	// a registry URI in the driver's form. An empty target is a no-op.
	RegisterGrpcService(target, endpoint string) error

	// ParseServerMethod splits a branch URI into the server, which dtm passes to
	// grpc.Dial, and the method, "/package.Service/Method", which it passes to Invoke.
	// It runs on every branch call: it must be cheap, must never panic, and must
	// never return a nil error with an empty part.
	ParseServerMethod(uri string) (server, method string, err error)
}

// Closer is implemented by drivers whose registration keeps something alive: a
// lease, a heartbeat, a watch. Close deregisters dtm, stops the driver's goroutines
// and is safe to call more than once. A process that dies without Close is covered
// by the registry's own expiry (TTL, deregister-after-critical).
type Closer interface {
	Close() error
}

// Description says what a driver owns and accepts, for routing and for people.
type Description struct {
	// Schemes are the URI schemes of the driver's branch URIs and gRPC resolvers,
	// lower case ("consul"). A bare host:port URI has no scheme: it is the default
	// driver's form, which a driver may also accept, and is not listed.
	Schemes []string
	// BranchForms are the branch URI forms the driver accepts, as its errors name them.
	BranchForms []string
	// TargetForm is the registration target form (MicroService.Target).
	TargetForm string
	// HTTPForms are the HTTP URL forms the driver resolves through its
	// registry when it implements [HTTPResolver] (dtm's HTTP branches, a
	// dtmcli app's dtm server), or nil.
	HTTPForms []string
}

// Describer is implemented by drivers that tell which URI schemes they own and
// which forms they accept. It is optional: dtm never calls it. A composite driver
// routes branch URIs to drivers by their schemes, and the dtmdriver command lists
// them. Describe returns a fresh value each call; it must not dial or block.
type Describer interface {
	Describe() Description
}

// Describe returns d's description, or false if d does not implement [Describer].
func Describe(d Driver) (Description, bool) {
	if ds, ok := d.(Describer); ok {
		return ds.Describe(), true
	}
	return Description{}, false
}
