// Package polaris holds the end-to-end tests of driver-polaris (Polaris through polaris-go)
// with a real dtm server; it has no code of its own. The row is described in
// internal/scenario/polaris. See e2e/README.md.
package polaris
