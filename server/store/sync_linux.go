package store

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// syncPaths makes the files at paths and their folders durable with one
// syncfs(2) of the file system holding the bucket, whatever their number:
// it writes back every dirty page and inode there and commits the
// journal, as an fsync of each file and folder would, for the price of
// about one. Since Linux 5.8 it reports a write-back error of any file on
// the file system, so an error may be another file's; the blobs are then
// treated as not stored, which is safe.
func (b *Blobs) syncPaths(paths []string) error {
	if len(paths) == 1 {
		return b.syncEach(paths)
	}
	f, err := os.Open(b.dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return fmt.Errorf("syncfs %s: %w", b.dir, err)
	}
	return nil
}
