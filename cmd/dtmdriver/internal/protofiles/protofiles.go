// Package protofiles lets etcd's and polaris-go's "auth.proto" share the
// dtmdriver binary, as cmd/dtm's package of the same name does for the dtm
// binary: go.etcd.io/etcd/api/v3/authpb (proto package authpb) and polaris-go's
// security API (proto package v1) both register a protobuf file named
// "auth.proto", which panics at start by default. No message, enum or service
// name clashes; only a lookup of the file by its path fails as ambiguous, and
// neither etcd, polaris-go nor gRPC makes one.
//
// For a command-line tool, whose output is read by people and scripts, the
// policy is "ignore": protobuf prints no warning at every start. An explicit
// GOLANG_PROTOBUF_REGISTRATION_CONFLICT in the environment wins.
//
// It must initialise before either package: packages initialise in import-path
// order once their imports are initialised, this package imports only os, and
// its path (github.com/dtmdrivers/…) sorts before github.com/polarismesh/… and
// go.etcd.io/…. TestConflictPolicySetFirst in package cli checks it.
package protofiles

import "os"

// policyEnv is read by google.golang.org/protobuf/reflect/protoregistry at
// each registration conflict.
const policyEnv = "GOLANG_PROTOBUF_REGISTRATION_CONFLICT"

func init() {
	if os.Getenv(policyEnv) == "" {
		os.Setenv(policyEnv, "ignore")
	}
}
