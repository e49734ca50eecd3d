// Package multi times the composite driver (driver-multi) against the driver
// that owns each URI's scheme, on the shared parse corpus: table 6 of
// docs/benchmarks.md.
package multi
