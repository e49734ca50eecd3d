// Package busi is the business service of the demo and the end-to-end tests: a
// bank whose gRPC service busi.Busi moves amounts between users' balances, with
// the actions of a transfer saga (TransOut, TransIn) and their compensations
// (TransOutRevert, TransInRevert), and the Try, Confirm and Cancel methods of the
// same transfer as a TCC transaction. Its service description is written by hand
// over well-known protobuf types, so it needs no generated code.
package busi
