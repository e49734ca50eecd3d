// Package authtest holds the driver's tests against an etcd with authentication
// on. They run in a process of their own: go-zero keeps its etcd clients, with the
// credentials they were made with, for the life of the process.
package authtest
