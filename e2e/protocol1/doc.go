// Package protocol1 holds the end-to-end tests of driver-protocol1 with a real
// dtm server; it has no code of its own. The row is described in
// internal/scenario/protocol1. See e2e/README.md.
package protocol1
