// Package consul holds the end-to-end tests of driver-consul (Consul's health
// API) with a real dtm server; it has no code of its own. The row is described
// in internal/scenario/consul. See e2e/README.md.
package consul
