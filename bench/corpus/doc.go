// Package corpus is the shared set of branch URIs that `make bench` parses with our
// drivers and with the upstream ones, and the harness that times them. It has no
// dependencies, so that the upstream bench modules, pinned to old versions of grpc
// and of the frameworks, can import it beside our own bench module.
//
// Each case names a framework, the URI as that framework's users write it, and
// the split our driver gives: the method is always the last two path segments. A
// parser that panics, errs, or splits differently on a case gets a verdict line
// instead of a timing:
//
//	verdict <impl> <framework>/<case> <what happened>
package corpus
