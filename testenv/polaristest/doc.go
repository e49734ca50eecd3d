// Package polaristest runs a real Polaris server for tests.
//
// [Start] runs the server built by tools/polaris (Polaris v1.18.1) in
// standalone mode: one process, its data in a BoltDB file, its HTTP API and
// its gRPC discovery API on free ports of 127.0.0.1 and no other listener,
// no authentication unless started [WithAuth]. Its working directory is the test's temporary
// directory, which holds its configuration (conf/polaris-server.yaml, made
// from polaris-server.yaml.tmpl), its data (polaris.bolt) and its logs.
// Start returns once both APIs answer and the server has registered itself
// as the health checker, and registers a cleanup that kills it.
//
//	srv := polaristest.Start(t)
//	addr := srv.GRPCAddr() // for polaris-go: global.serverConnector.addresses
//
// The package uses the standard library only, so that a driver's tests pull
// in no dependency through it.
//
// # Binary
//
// The binary is looked up as polaris-server in the directory named by the
// DTMDRIVERS_BIN environment variable (the Makefile sets it to the
// repository's .bin), or else as .bin/polaris-server in the working
// directory or one of its parents. Build it with `make tools`. When it is
// missing, Start fails the test if DTMDRIVERS_BIN is set (under make no
// registry test may be skipped) and skips it otherwise.
//
// # Clients
//
// polaris-go connects to [Server.GRPCAddr]. Build its configuration with
// config.NewDefaultConfiguration([]string{srv.GRPCAddr()}): that does not
// read ./polaris.yaml. Point its local cache
// (consumer.localCache.persistDir) and its logs (api.SetLoggersDir) into
// t.TempDir(), or it writes them under ./polaris in the package directory.
//
// The server's naming cache lags its store by about a second, and
// polaris-go refreshes a service every 2 seconds by default
// (consumer.localCache.serviceRefreshInterval): a registration, an
// isolation or a deregistration reaches a polaris-go consumer 1 to 5
// seconds later; driver-polaris's resolvers, which ask the server every
// 100 ms, see it about a second later. [Server.Instances] sees it at once.
//
// [Server.DiscoverRequests] counts the requests of the gRPC Discover stream
// (what polaris-go and driver-polaris send) per service, from the server's
// API log, and [Server.CPUTime] reads the server process's CPU time from
// /proc: together, the load a client puts on the server.
//
// # Authentication
//
// [WithAuth] turns Polaris' authentication on for the console and the client
// APIs, strictly: a request without a valid token is refused (code 401000 and
// the like), not served as an anonymous user. [Server.Token] returns the
// token to send, the administrator's ([AdminToken]), which the server creates
// in a new store. polaris-go sends it as global.serverConnector.token.
//
// # Faults
//
// [Server.Stop] kills the server and keeps its ports and its data, so
// clients see connection errors. [Server.Restart] starts it again on the same
// ports with the same BoltDB file: registered instances are still there.
// [Server.SetIsolated] isolates one instance: the server still lists it,
// marked isolated, and polaris-go stops choosing it (GetOneInstance,
// GetInstances) at its next refresh.
//
// # Logs
//
// The server's output and its log files stay in the test's temporary
// directory; their ends are written to the test log only if the test failed.
//
// # Registry kit
//
// [Server.Publish] registers an address through the HTTP client API and
// [Server.List] lists the healthy, not isolated instances discovery gives
// consumers: a *Server is the Polaris implementation of
// dtmdrivertest.Registry. [Server.Register] is Publish for code without a
// testing.TB.
package polaristest
