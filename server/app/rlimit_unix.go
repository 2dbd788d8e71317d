//go:build unix

package app

import "syscall"

// connectionBudgetOfProcess is how many client connections fit under this
// process's file descriptor limit. (Go raises the soft limit to the hard
// one at start.) An unlimited or huge limit leaves the default cap.
func connectionBudgetOfProcess() (int, bool) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > 1<<30 {
		return 0, false
	}
	return connectionBudget(lim.Cur), true
}
