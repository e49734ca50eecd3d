// Package bridgetest proves, from its test, that a driver registered with
// dtmdriver.Register is reached through github.com/dtm-labs/dtmdriver's API alone,
// as the dtm server and github.com/dtm-labs/client reach it. It is a package of its
// own because a process selects one driver.
package bridgetest
