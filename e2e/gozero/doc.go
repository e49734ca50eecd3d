// Package gozero holds the end-to-end tests of driver-gozero (go-zero on etcd)
// with a real dtm server; it has no code of its own. The row is described in
// internal/scenario/gozero. See e2e/README.md.
package gozero
