// Package cli is the dtmdriver command, the diagnostic tool for dtm's service
// discovery: [Run] takes the command line and returns the exit code. Package
// main only wires it to the process (arguments, standard streams, interrupts).
//
// # Commands
//
//	dtmdriver drivers            the linked drivers, their schemes and URI forms
//	dtmdriver split URI          the driver, server and method dtm gets from a branch URI
//	dtmdriver resolve URI        the live addresses through the driver's gRPC resolver (-watch)
//	dtmdriver check -c conf.yml  a dtm configuration against its registry and the dtm it registers
//	dtmdriver version            the versions linked
//
// Every command takes -o json; the JSON field names are stable (the exported
// result types, e.g. [SplitResult], [ResolveResult], [CheckResult]). Exit
// codes: [ExitOK], [ExitFailure], [ExitUsage].
//
// # Resolvers
//
// resolve builds the driver's resolver through gRPC's resolver registry, as
// dtm's gRPC client does, with a recording resolver.ClientConn. It registers
// each driver's resolvers itself (once) rather than selecting a driver with
// dtmdriver.Use, which allows one driver per process: check reads any
// configuration, and one process may look at URIs of several drivers.
//
// # Registrations
//
// check plans each registration dtm makes from its configuration
// ([RegistrationCheck]): kind "grpc" for MicroService (one per target of
// dtm-driver-multi, each read by the driver owning its scheme), and kind
// "http" for the HTTP endpoint that cmd/dtm publishes beside it when the
// driver is a dtmdriver.HTTPRegistrar (Consul, Polaris: "<service>-http").
// It reads the registry with the target's own credentials, and calls dtm's
// API on every instance registered and on the endpoint: gRPC's NewGid, HTTP's
// /api/ping. What is wrong with the HTTP registration, which cmd/dtm
// -register-http=false and dtm's own binary skip, is a warning.
//
// # Secrets
//
// No credential is printed: URIs and targets go through dtmdriver.Redact,
// plans name the credentials present without their values, and errors from
// registry clients are scrubbed of the configured secrets.
package cli
