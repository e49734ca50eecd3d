// Package usefailtest proves, from its test, that a dtmdriver.Use that fails
// because github.com/dtm-labs/dtmdriver has selected another driver (as dtm
// v1.19.0 selects "default" from its default configuration) changes nothing.
// It is a package of its own because a process selects one driver.
package usefailtest
