// Package e2etest runs the end-to-end tests of one driver against a real dtm
// server (v1.19.0) started in the test process.
//
// Each driver has its own test package (e2e/protocol1, ...), because dtm allows
// one driver per process and has no stop. That package describes the driver in a
// [Scenario], starts everything from TestMain with [Main], and runs the shared
// tests with [Run]:
//
//	var sc = &e2etest.Scenario{Name: "protocol1", Driver: "dtm-driver-protocol1", ...}
//
//	func TestMain(m *testing.M) { e2etest.Main(m, sc) }
//
//	func TestE2E(t *testing.T) { e2etest.Run(t, sc) }
//
// dtm logs errors only; set E2E_DTM_LOG=info (or debug) to see more.
package e2etest
