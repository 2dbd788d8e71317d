//go:build !linux

package store

// syncPaths makes the files at paths and their folders durable.
func (b *Blobs) syncPaths(paths []string) error { return b.syncEach(paths) }
