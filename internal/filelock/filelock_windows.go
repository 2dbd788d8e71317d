//go:build windows

package filelock

import (
	"os"

	"golang.org/x/sys/windows"
)

// lock locks the file's first byte; LockFileEx waits until it is free.
func lock(f *os.File) error {
	var ol windows.Overlapped
	return windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, &ol)
}
