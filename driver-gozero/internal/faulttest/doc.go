// Package faulttest holds the driver's fault tests: etcd stopped and restarted
// under load, a lost lease, an instance that stops, a node of a three-node cluster
// killed. They stop and start etcd, so they run in a process of their own.
package faulttest
