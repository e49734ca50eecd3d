// Package e2e holds the cross-driver end-to-end tests and the demo behind
// `make demo`. Users never import it.
package e2e
