package dtmdriver

import "context"

// HTTPResolver is implemented by drivers that resolve HTTP URLs of their schemes
// through their registry, for dtm's HTTP branches and for dtmcli apps reaching
// dtm's HTTP API. It is optional. When the selected driver implements it, the
// core installs a middleware in github.com/dtm-labs/dtmdriver's Middlewares.HTTP,
// which dtm v1.19.0 and github.com/dtm-labs/client v1.18.7 run before every HTTP
// request they send.
type HTTPResolver interface {
	// ResolveHTTP rewrites url, when its scheme is one the driver owns for HTTP,
	// to the http(s)://host:port of a healthy instance, with the path and query
	// unchanged, and returns ok true. For any other url it returns url, false and
	// nil, cheaply: it runs on every HTTP call of the process. It fails with a
	// clear error, without waiting past ctx, when no instance is healthy.
	ResolveHTTP(ctx context.Context, url string) (resolved string, ok bool, err error)
}

// HTTPRegistrar is implemented by drivers that can publish dtm's HTTP endpoint
// beside its gRPC one, so that dtmcli apps reach dtm through the registry. It is
// optional. cmd/dtm calls it with dtm's registration target and its HTTP
// endpoint (host:port); the driver's Close withdraws it like the gRPC one.
type HTTPRegistrar interface {
	RegisterHTTPService(target, endpoint string) error
}
