// Package filelock holds an exclusive lock on a file across processes, so
// that processes sharing a data folder can take turns at work that must not
// overlap, such as creating a database schema or a CA.
package filelock

import (
	"context"
	"fmt"
	"os"
)

// Lock opens (creating if need be) the file at path and waits until it
// holds an exclusive lock on it, or ctx is done. The lock is released by
// unlock, or by the operating system when the process ends, so a crashed
// holder never leaves it stuck. The file itself is left in place: removing
// a lock file would let two processes lock two different files.
func Lock(ctx context.Context, path string) (unlock func() error, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("filelock: %w", err)
	}
	// The lock call blocks in the kernel, which ctx cannot interrupt: wait
	// for it in a goroutine that releases the lock itself if nobody is
	// left to take it.
	locked := make(chan error, 1)
	go func() { locked <- lock(f) }()
	select {
	case err := <-locked:
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("filelock: lock %s: %w", path, err)
		}
		return f.Close, nil // closing the file releases the lock
	case <-ctx.Done():
		go func() {
			<-locked
			f.Close()
		}()
		return nil, fmt.Errorf("filelock: waiting for %s: %w", path, ctx.Err())
	}
}
