// Package httpmwtest checks, in a process of its own, that selecting a driver
// that implements dtmdriver.HTTPResolver installs exactly one middleware in
// github.com/dtm-labs/dtmdriver's Middlewares.HTTP, whichever Use selects it,
// and that a driver without it installs none.
package httpmwtest
