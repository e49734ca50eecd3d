// Package protofiles lets two protobuf files of the same path share the dtm
// binary. go.etcd.io/etcd/api/v3/authpb (proto package authpb: User, Role,
// Permission, UserAddOptions) and polaris-go's
// github.com/polarismesh/specification/source/go/api/v1/security (proto
// package v1: User, UserGroup, LoginRequest, …) both register a file named
// "auth.proto" in protobuf's global registry, which panics on the second by
// default. The two declare different packages, so no message, enum or
// service name clashes: only a lookup of the file by its path
// (protoregistry.GlobalFiles.FindFileByPath), which neither etcd, polaris-go,
// gRPC nor dtm makes, sees one of them.
// This package sets the registry's conflict policy to "warn" for the process,
// unless the environment already sets one.
//
// It must initialise before either package: the go command initialises
// packages in import-path order as soon as their imports are initialised
// (the Go spec, "Package initialization"), and this package imports only os,
// while its path, github.com/dtmdrivers/…, sorts before github.com/polarismesh/…
// and go.etcd.io/…. TestConflictPolicySetFirst in cmd/dtm checks it.
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
