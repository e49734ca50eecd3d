package e2etest

// LoopbackOnly returns an error unless loopback is the only interface up: dtm
// listens on every interface, so tests that start it run in a namespace of
// their own (scripts/loopback-only.sh). For a TestMain that starts dtm by
// itself, as e2e/multi's does.
func LoopbackOnly() error { return loopbackOnly() }
