package consultest

import "syscall"

// sysProcAttr has the kernel kill the agent if the test process dies
// without running its cleanups (a -timeout panic, a SIGKILL).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
