// Package e2etest runs the end-to-end tests of one driver against a real dtm
// server (v1.19.0) started in the test process.
//
// Each driver has its own test package (e2e/protocol1, e2e/gozero, ...),
// because dtm allows one driver per process and has no stop. That package
// takes the driver's row, a [scenario.Scenario] from internal/scenario/<name>,
// starts everything from TestMain with [Main], and runs the shared tests with
// [Run]:
//
//	var sc = gozero.New()
//
//	func TestMain(m *testing.M) { e2etest.Main(m, sc) }
//
//	func TestE2E(t *testing.T) { e2etest.Run(t, sc) }
//
// dtm logs errors only; set E2E_DTM_LOG=info (or debug) to see more.
package e2etest
