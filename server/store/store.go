// Package store keeps document bytes in a blob bucket (gocloud.dev/blob), so
// the same code serves a local folder and an S3-compatible service. Bytes
// are streamed in both directions; a document is never held in memory.
package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/gcerrors"
	"golang.org/x/sync/errgroup"
)

// Blobs is a bucket of document bytes, addressed by key.
type Blobs struct {
	bucket *blob.Bucket
	// dir is the folder of a file bucket, whose writes Put syncs to disk:
	// fileblob renames without fsync, and a committed document row must not
	// outlive its bytes in a power cut.
	dir string

	// durable holds the folders Sync has flushed with their parents, so
	// later syncs flush only the folder itself.
	mu      sync.Mutex
	durable map[string]bool
	group   syncGroup
}

// New wraps an open bucket; Close closes it.
func New(bucket *blob.Bucket) *Blobs {
	return &Blobs{bucket: bucket}
}

// OpenDir opens a bucket backed by the folder dir, creating it (private to
// the owner: documents may be personally sensitive) if needed.
func OpenDir(dir string) (*Blobs, error) {
	bucket, err := fileblob.OpenBucket(dir, &fileblob.Options{
		CreateDir:   true,
		DirFileMode: 0o700,
		// Write temporary files next to their final place, so the final
		// rename never crosses file systems.
		NoTempDir: true,
		// Attributes live in the database; no .attrs file per blob.
		Metadata: fileblob.MetadataDontWrite,
	})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	return &Blobs{bucket: bucket, dir: filepath.Clean(dir), durable: map[string]bool{}}, nil
}

// Put streams r to key and reports its size and lower-case hex SHA-256.
// The blob appears only once complete: if Put fails, key keeps what it had
// before (for a new key, nothing). It is on disk when Put returns.
func (b *Blobs) Put(ctx context.Context, key string, r io.Reader) (size int64, sha256hex string, err error) {
	size, sha256hex, err = b.Stage(ctx, key, r)
	if err != nil {
		return 0, "", err
	}
	if err := b.Sync(ctx, key); err != nil {
		return 0, "", err
	}
	return size, sha256hex, nil
}

// Stage is Put without making the blob durable: until Sync, a power cut
// may lose it. Many blobs staged and then synced together cost one round
// of fsyncs instead of one each.
func (b *Blobs) Stage(ctx context.Context, key string, r io.Reader) (size int64, sha256hex string, err error) {
	// Canceling the writer's context before Close discards the write.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := b.bucket.NewWriter(ctx, key, &blob.WriterOptions{
		// Set, so the writer does not buffer the start to sniff it.
		ContentType: "application/octet-stream",
	})
	if err != nil {
		return 0, "", fmt.Errorf("store: put %q: %w", key, err)
	}
	h := sha256.New()
	size, err = io.Copy(io.MultiWriter(w, h), r)
	if err != nil {
		cancel()
		_ = w.Close() // Reports the cancellation; the copy error is the news.
		return 0, "", fmt.Errorf("store: put %q: %w", key, err)
	}
	if err := w.Close(); err != nil {
		return 0, "", fmt.Errorf("store: put %q: %w", key, err)
	}
	return size, hex.EncodeToString(h.Sum(nil)), nil
}

// Sync makes staged blobs durable, together with the folders holding
// them: a folder made for a blob is itself a new name in its parent.
// Concurrent Syncs share one flush (syncGroup). Buckets other than a
// folder are durable once written, and Sync does nothing for them.
func (b *Blobs) Sync(ctx context.Context, keys ...string) error {
	if b.dir == "" || len(keys) == 0 {
		return nil
	}
	paths := make([]string, len(keys))
	for i, k := range keys {
		paths[i] = filepath.Join(b.dir, filepath.FromSlash(k))
	}
	if err := b.group.do(paths, b.syncPaths); err != nil {
		return fmt.Errorf("store: sync: %w", err)
	}
	return nil
}

// syncEach flushes each file, concurrently so the file system can commit
// them together, and then each folder holding them once, with the folders
// above it the first time.
func (b *Blobs) syncEach(paths []string) error {
	var g errgroup.Group
	g.SetLimit(syncParallel)
	dirs := map[string]bool{}
	for _, p := range paths {
		dirs[filepath.Dir(p)] = true
		g.Go(func() error { return syncFile(p) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for d := range dirs {
		if err := b.syncDir(d); err != nil {
			return err
		}
	}
	return nil
}

// syncParallel bounds the fsyncs one Sync has in flight.
const syncParallel = 32

// syncDir flushes folder d and, the first time this Blobs sees d, the
// folders above it up to the bucket's, which may have been made for it.
func (b *Blobs) syncDir(d string) error {
	b.mu.Lock()
	known := b.durable[d]
	b.mu.Unlock()
	for p := d; ; p = filepath.Dir(p) {
		if err := syncFile(p); err != nil {
			return err
		}
		if known || p == b.dir || len(p) <= len(b.dir) {
			break
		}
	}
	b.mu.Lock()
	b.durable[d] = true
	b.mu.Unlock()
	return nil
}

// Open returns a reader of the blob at key. ctx must stay live while reading.
// A missing key gives an error matching fs.ErrNotExist.
func (b *Blobs) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	r, err := b.bucket.NewReader(ctx, key, nil)
	if err != nil {
		return nil, fmt.Errorf("store: open %q: %w", key, notExist(err))
	}
	return r, nil
}

// Delete removes the blob at key. Deleting a missing key succeeds, so a
// cleanup can be retried.
func (b *Blobs) Delete(ctx context.Context, key string) error {
	err := b.bucket.Delete(ctx, key)
	if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("store: delete %q: %w", key, err)
	}
	return nil
}

// Close closes the bucket.
func (b *Blobs) Close() error {
	if err := b.bucket.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// syncFile flushes the file or folder at path to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	f.Close()
	if err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

// notExist makes a not-found error from the bucket match fs.ErrNotExist too.
func notExist(err error) error {
	if gcerrors.Code(err) == gcerrors.NotFound {
		return errors.Join(fs.ErrNotExist, err)
	}
	return err
}

// Chunks reads r to the end in pieces of at most size bytes and hands each
// to fn, which may not keep it: the buffer is reused. It is how downloads
// stream a blob as a sequence of messages.
func Chunks(r io.Reader, size int, fn func([]byte) error) error {
	buf := make([]byte, size)
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			if ferr := fn(buf[:n]); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// File is random access to one blob, for parsers (PDF) that need it.
type File interface {
	io.ReaderAt
	io.Closer
	Size() int64
}

// OpenFile gives random access to the blob at key. File buckets open the
// file itself; other buckets are copied to a temporary file first.
func (b *Blobs) OpenFile(ctx context.Context, key string) (File, error) {
	if b.dir != "" {
		f, err := os.Open(filepath.Join(b.dir, filepath.FromSlash(key)))
		if err != nil {
			return nil, fmt.Errorf("store: open %q: %w", key, err)
		}
		return newOSFile(f, false)
	}
	r, err := b.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	f, err := os.CreateTemp("", "svarsign-blob-*")
	if err != nil {
		return nil, fmt.Errorf("store: open %q: %w", key, err)
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("store: open %q: %w", key, err)
	}
	return newOSFile(f, true)
}

type osFile struct {
	*os.File
	size   int64
	remove bool
}

func newOSFile(f *os.File, remove bool) (*osFile, error) {
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &osFile{File: f, size: st.Size(), remove: remove}, nil
}

func (f *osFile) Size() int64 { return f.size }

func (f *osFile) Close() error {
	err := f.File.Close()
	if f.remove {
		os.Remove(f.Name())
	}
	return err
}
