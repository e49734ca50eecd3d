// Package bench holds what `make bench` measures of our drivers, side by side with
// the upstream drivers (timed from their own pinned modules under testdata/) and
// with a direct connection. Users never import it.
package bench
