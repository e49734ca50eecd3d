// Package consultest runs a real Consul agent for tests.
//
// [Start] runs the agent binary built by tools/consul in development mode
// (`consul agent -dev`): a single server with its state in memory, bound to
// free ports on 127.0.0.1 only, its files in the test's temporary directory.
// Start returns once the agent has a leader and its own node is in the
// catalog, and registers a cleanup that ends the process. The agent listens
// on the HTTP API port, the serf LAN port and the server RPC port only; DNS,
// gRPC, HTTPS and serf WAN are off, and so are Connect, the UI and the
// update check. Its node is named [NodeName].
//
//	a := consultest.Start(t)
//	target := "consul://" + a.Addr() + "/dtmservice"
//
// The package uses the standard library only, so that a driver's tests pull
// in no dependency through it.
//
// # Binary
//
// The binary is looked up as consul in the directory named by the
// DTMDRIVERS_BIN environment variable (the Makefile sets it to the
// repository's .bin), or else as .bin/consul in the working directory or
// one of its parents. Build it with `make tools`. When it is missing, Start
// fails the test if DTMDRIVERS_BIN is set (under make no registry test may be
// skipped) and skips it otherwise.
//
// # ACLs
//
// [WithACL] turns ACLs on with the default policy "deny" and the given token
// as the initial management token (also used as the agent's own token, so
// that the agent can keep its node in the catalog). [Agent.Token] returns it;
// send it as the X-Consul-Token header or the api client's Token.
//
// # Faults
//
// [Agent.Stop] ends the agent and keeps its ports, so clients see connection
// errors. [Agent.Restart] starts it again on the same ports, with the same data
// directory. A development agent keeps no catalog across a restart, but the
// services registered through its agent API (/v1/agent/service/register, what
// drivers use) are saved in its data directory and come back with it. To make
// the agent lose them too, as an agent rebuilt from scratch would, remove the
// "data" folder under [Agent.Dir] between [Agent.Stop] and [Agent.Restart].
//
// # Logs
//
// The agent's output goes to a file in the test's temporary directory; it is
// written to the test log only if the test failed.
//
// # Registry kit
//
// [Agent.Publish] registers an address as go-zero's zero-contrib consul
// registry registers a zrpc server (a TTL check passed every half TTL) and
// [Agent.List] lists the passing instances, as Consul's health API gives them
// to consumers: an *Agent is the Consul implementation of
// dtmdrivertest.Registry. [Agent.Register] is Publish for code without a
// testing.TB.
package consultest
