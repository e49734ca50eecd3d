//go:build protocol1 && !use

package main

// The driver this build of the client app uses: one driver per app, as users
// build them (driver-gozero and driver-polaris cannot share a binary: etcd's
// and Polaris' protobuf files both register "auth.proto").
import _ "github.com/dtmdrivers/drivers/driver-protocol1"
