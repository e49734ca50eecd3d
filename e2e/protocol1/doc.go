// Package protocol1 holds the end-to-end tests of driver-protocol1 with a real
// dtm server; it has no code of its own. See e2e/README.md.
package protocol1
