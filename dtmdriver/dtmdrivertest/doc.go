// Package dtmdrivertest is the conformance suite every dtm driver runs: one call
// from one test checks a driver against the contract of package dtmdriver.
//
// # Using it
//
// A driver adds a single test that fills a [Harness] and calls
// [RunConformanceTests]; its own, framework-specific tests stay below it:
//
//	func TestConformance(t *testing.T) {
//		dtmdrivertest.RunConformanceTests(t, dtmdrivertest.Harness{
//			Driver:  myDriver,
//			Schemes: []string{"myscheme"},
//			Splits: []dtmdrivertest.Split{
//				{URI: "myscheme://h:1/svc/pkg.Svc/Method", Server: "myscheme://h:1/svc", Method: "/pkg.Svc/Method"},
//			},
//			Registry: myregistrytest.Start(t), // the registry's kit
//		})
//	}
//
// # A registry under test
//
// [Registry] is the one interface of a registry under test: Publish a server
// the framework's way, List what the registry holds under a service. Each
// registry has one kit in testenv/<registry>test that implements it (etcdtest,
// consultest, polaristest); the suite, the drivers' own tests, e2e and bench
// all use those. A new driver is the template (driver-protocol1) plus one kit.
// A driver whose URIs need more than the kit's Publish returns sets
// Harness.Publish (and Harness.Listed) instead.
//
// The shared test doubles live here too, one per concept: [Recorder], the
// recording resolver.ClientConn ([BuildResolver] builds a resolver on it);
// [WaitFor], the one poll with a deadline; [CountingServer], a gRPC health
// server that counts its calls; [Dial] and [Invoke], a call dialled as dtm
// dials; [BenchParseServerMethod], the parse benchmark of every driver.
//
// The suite selects the driver with dtmdriver.Use, so a test binary that runs it
// must not use another driver. Call dtmdriver.Use in TestMain before anything
// in the test binary dials gRPC (an embedded registry may): RegisterGrpcResolver
// writes gRPC's resolver table, which has no lock.
//
// # What it checks
//
//   - Name: the driver's name has the "dtm-driver-" prefix (the default driver is
//     "default") and it is registered under that name in both registries.
//   - Use: Use is idempotent from many goroutines at once, refuses another driver with
//     an error naming both, lists the registered drivers for an unknown name, and
//     makes GetDriver return the driver, here and in github.com/dtm-labs/dtmdriver.
//   - Resolvers: after Use, gRPC has a resolver for every scheme in Harness.Schemes.
//   - Splits: ParseServerMethod gives the expected server and method for every case
//     the driver supplies.
//   - Malformed: a shared corpus of bad URIs, plus the driver's own, all get an error
//     (never a panic, never a nil error) and no error quotes a credential.
//   - Secrets: every URI of [CredentialURIs] (the driver's own Splits and Schemes
//     with userinfo, empty-authority userinfo, or secret-named parameters in every
//     position, some with an unescaped separator in the secret) is rejected with
//     dtmdriver.ErrBadURI and no error shows any part of the secret; with 1 MiB
//     in any part of a URI, malformed, accepted or not, errors stay under
//     [MaxErrorLen]. These checks need no registry, so they run with -short.
//   - Call: two real gRPC servers are published under two names; a real call dialled
//     the way dtm dials, with ParseServerMethod's output, reaches the right one. It
//     does so twice: after the second round, whose connections are closed, no
//     goroutine that round started is left running (the first round may set up
//     what a driver keeps for the whole process).
//   - ConcurrentFirstCalls: once the registry lists a newly published service,
//     twelve connections made at the same moment to it, none resolved before in
//     the process, each reach it with a call that does not wait for readiness,
//     as dtm's branch calls do not.
//   - RegisterEmptyTarget: RegisterGrpcService with an empty target is a no-op.
//   - RegisterMalformed: [MalformedTargets] and Harness.MalformedTargets, and
//     [MalformedEndpoints] under a valid target (the core's endpoint policy,
//     dtmdriver.CheckEndpoint), are refused with errors wrapping dtmdriver.ErrBadURI
//     that quote no credential; nothing gets listed.
//   - Plan (drivers implementing dtmdriver.Planner): an empty target plans
//     nothing; the malformed targets above are refused as RegisterGrpcService
//     refuses them.
//   - Register: after RegisterGrpcService with Harness.RegistrationTarget, dtm's
//     endpoint answers through the driver's own resolver, and the registry lists it.
//     A Planner's plan of the same target holds, per registration, a registered
//     driver, credentials shown as names only, and a client URI through which
//     dtm's endpoint answers.
//   - Close: two cycles of registration, a call and Close. After each Close the
//     registry stops listing dtm and a second Close returns nil; after the second
//     cycle, the goroutines and file descriptors are those the first left.
//
// A driver without a registry (the template) returns from RegistrationTarget a
// target it accepts and a server that reaches the endpoint directly.
//
// [TrackGoroutines] and [TrackFDs] give a driver's own tests the same leak checks.
//
// [FuzzParseServerMethod] gives a driver a fuzz target with the same invariants.
package dtmdrivertest
