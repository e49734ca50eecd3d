// Package protofiles lets two protobuf files of the same path share the dtm
// binary. go.etcd.io/etcd/api/v3/authpb (proto package authpb: User, Role,
// Permission, UserAddOptions) and polaris-go's
// github.com/polarismesh/specification/source/go/api/v1/security (proto
// package v1: User, UserGroup, LoginRequest, …) both register a file named
// "auth.proto" in protobuf's global registry, which panics on the second by
// default. The two declare different packages, so no message, enum or
// service name clashes: only a lookup of the file by its path
// (protoregistry.GlobalFiles.FindFileByPath), which neither etcd, polaris-go,
// gRPC nor dtm makes, fails as ambiguous.
// This package sets the registry's conflict policy to "warn" for the process,
// unless the environment already sets one; the process prints protobuf's
// warning ("file "auth.proto" is already registered") at start.
//
// It must initialise before either package: the go command initialises
// packages in import-path order as soon as their imports are initialised
// (the Go spec, "Package initialization"), and this package imports only os,
// while its path, github.com/dtmdrivers/…, sorts before github.com/polarismesh/…
// and go.etcd.io/…. TestConflictPolicySetFirst in cmd/dtm checks it.
//
// # What it shadows
//
// Both files are registered, with all their messages. What the ambiguous path
// changes is reflection only: polaris-go's response.proto imports
// "auth.proto", and that import is a placeholder in its descriptor (etcd's
// rpc.proto imports "etcd/api/authpb/auth.proto", a placeholder with or
// without polaris-go). The fields that hold auth.proto's messages
// (v1.Response's user, userGroup, loginResponse; etcdserverpb's perm) keep
// their real message descriptors, since generated code links them by Go type:
// TestAuthProtoShadowsNoType in cmd/dtm checks it.
//
// Authentication works through this binary, which the e2e suite runs as its
// own process (e2e/internal/e2etest/binaryauth.go):
//   - etcd with authentication on: TestE2E/Transactions/BinaryAuth in e2e/gozero
//     registers dtm with the account of its target (etcd's Authenticate and
//     auth-token path) and runs a saga whose branches dtm resolves with it;
//     TestE2E/Transactions/BinaryAuthRefused refuses no account ("user name
//     is empty") and a wrong password ("authentication failed").
//   - Polaris with strict client authentication and a token: the same two
//     tests in e2e/polaris (refusals: code 401001, "invalid token").
package protofiles

import "os"

// policyEnv is read by google.golang.org/protobuf/reflect/protoregistry at
// each registration conflict.
const policyEnv = "GOLANG_PROTOBUF_REGISTRATION_CONFLICT"

func init() {
	if os.Getenv(policyEnv) == "" {
		os.Setenv(policyEnv, "warn")
	}
}
