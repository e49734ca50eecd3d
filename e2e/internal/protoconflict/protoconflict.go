// Package protoconflict lets etcd's and polaris-go's "auth.proto" share a
// test binary, as cmd/dtm/internal/protofiles does for the dtm binary (read
// it for why that is safe): it sets protobuf's registration conflict policy
// to "warn" unless the environment sets one. A test package that links
// driver-gozero and driver-polaris imports it first; it imports only os, and
// its path sorts before github.com/polarismesh/… and go.etcd.io/…, so it
// initialises before both.
package protoconflict

import "os"

const policyEnv = "GOLANG_PROTOBUF_REGISTRATION_CONFLICT"

func init() {
	if os.Getenv(policyEnv) == "" {
		os.Setenv(policyEnv, "warn")
	}
}
