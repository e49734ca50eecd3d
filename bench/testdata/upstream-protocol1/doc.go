// Package upstreamprotocol1 times github.com/dtm-labs/dtmdriver-protocol1 v0.0.1
// on the shared corpus. It has a module of its own because that driver implements
// github.com/dtm-labs/dtmdriver v0.0.1's interface, not v0.0.6's.
package upstreamprotocol1
