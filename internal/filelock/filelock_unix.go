//go:build unix

package filelock

import (
	"errors"
	"os"
	"syscall"
)

// lock takes an flock(2) lock, which belongs to the open file: a second
// Lock on the same path waits even within one process.
func lock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
