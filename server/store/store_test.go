package store_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/svarsign/svarsign/server/store"
)

func openDir(t *testing.T) (*store.Blobs, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "blobs")
	b, err := store.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	return b, dir
}

// files lists the regular files under dir, temporary ones included.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestPutOpenDelete(t *testing.T) {
	ctx := t.Context()
	b, dir := openDir(t)
	data := bytes.Repeat([]byte("svarsign document bytes\n"), 10000)
	sum := sha256.Sum256(data)

	size, got, err := b.Put(ctx, "org/1/doc.pdf", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if size != int64(len(data)) {
		t.Errorf("size = %d, want %d", size, len(data))
	}
	if want := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("sha256 = %s, want %s", got, want)
	}

	r, err := b.Open(ctx, "org/1/doc.pdf")
	if err != nil {
		t.Fatal(err)
	}
	read, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(read, data) {
		t.Errorf("read back %d bytes that differ from the %d written", len(read), len(data))
	}
	if n := len(files(t, dir)); n != 1 {
		t.Errorf("%d files in the bucket folder, want 1: %v", n, files(t, dir))
	}

	if err := b.Delete(ctx, "org/1/doc.pdf"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Open(ctx, "org/1/doc.pdf"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open after Delete: err = %v, want fs.ErrNotExist", err)
	}
	if err := b.Delete(ctx, "org/1/doc.pdf"); err != nil {
		t.Errorf("Delete of a missing key: %v", err)
	}
}

func TestPutEmpty(t *testing.T) {
	b, _ := openDir(t)
	size, sum, err := b.Put(t.Context(), "empty", bytes.NewReader(nil))
	if err != nil {
		t.Fatal(err)
	}
	if size != 0 || sum != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("Put(empty) = %d, %s", size, sum)
	}
}

// failingReader yields n bytes, then fails.
type failingReader struct{ n int }

var errRead = errors.New("connection reset")

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, errRead
	}
	k := min(len(p), r.n)
	clear(p[:k])
	r.n -= k
	return k, nil
}

func TestPutFailingReaderLeavesNothing(t *testing.T) {
	ctx := t.Context()
	b, dir := openDir(t)

	_, _, err := b.Put(ctx, "org/1/broken.pdf", &failingReader{n: 1 << 20})
	if !errors.Is(err, errRead) {
		t.Fatalf("Put error = %v, want %v", err, errRead)
	}
	if r, err := b.Open(ctx, "org/1/broken.pdf"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open after failed Put: err = %v, want fs.ErrNotExist", err)
		if err == nil {
			r.Close()
		}
	}
	if names := files(t, dir); len(names) != 0 {
		t.Errorf("files left behind: %v", names)
	}

	// A failed overwrite keeps the blob that was there.
	if _, _, err := b.Put(ctx, "kept", bytes.NewReader([]byte("old"))); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Put(ctx, "kept", &failingReader{n: 100}); !errors.Is(err, errRead) {
		t.Fatalf("Put error = %v, want %v", err, errRead)
	}
	r, err := b.Open(ctx, "kept")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got, _ := io.ReadAll(r); string(got) != "old" {
		t.Errorf("after failed overwrite: %q, want %q", got, "old")
	}
}

// meteredReader yields n pseudo-random-ish bytes, sampling the heap every
// 4 MiB so the test sees the peak during the copy, not only the end state.
type meteredReader struct {
	n, sinceSample int
	peakInuse      uint64
	x              byte
}

func (r *meteredReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.n)
	for i := range p[:k] {
		r.x = r.x*31 + 7
		p[i] = r.x
	}
	r.n -= k
	r.sinceSample += k
	if r.sinceSample >= 4<<20 {
		r.sinceSample = 0
		r.sample()
	}
	return k, nil
}

func (r *meteredReader) sample() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	r.peakInuse = max(r.peakInuse, m.HeapInuse)
}

func TestPutStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 64 MiB")
	}
	ctx := t.Context()
	b, dir := openDir(t)
	const size = 64 << 20
	const bound = 16 << 20

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	r := &meteredReader{n: size}
	n, _, err := b.Put(ctx, "big", r)
	if err != nil {
		t.Fatal(err)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	r.sample()

	if n != size {
		t.Fatalf("size = %d, want %d", n, size)
	}
	if fi, err := os.Stat(filepath.Join(dir, "big")); err != nil || fi.Size() != size {
		t.Fatalf("stored file: %v, %v", fi, err)
	}
	growth := int64(r.peakInuse) - int64(before.HeapInuse)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("peak HeapInuse growth %d KiB, allocated %d KiB for a %d MiB put", growth>>10, allocated>>10, size>>20)
	if growth > bound {
		t.Errorf("HeapInuse grew by %d MiB during Put, want < %d MiB", growth>>20, bound>>20)
	}
	// Allocation in total, not only what is live at a sample, catches a
	// copy that buffers the document between two samples.
	if allocated > bound {
		t.Errorf("Put allocated %d MiB, want < %d MiB", allocated>>20, bound>>20)
	}
}
