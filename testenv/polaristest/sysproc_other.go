//go:build !linux

package polaristest

import "syscall"

// sysProcAttr sets nothing: only Linux can tie the server's life to the
// test process.
func sysProcAttr() *syscall.SysProcAttr { return nil }
