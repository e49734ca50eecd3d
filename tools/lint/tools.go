//go:build tools

// Package lint pins the linters `make lint` runs, so that every machine runs the
// same versions: `make tools` builds them into .bin/.
package lint

import (
	_ "honnef.co/go/tools/cmd/staticcheck"
)
