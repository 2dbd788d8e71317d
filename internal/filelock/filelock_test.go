package filelock_test

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/svarsign/svarsign/internal/filelock"
)

// TestLockExcludes: holders of the lock never overlap, even as goroutines
// of one process (flock locks belong to the open file, not the process).
func TestLockExcludes(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "x.lock")
	var inside, overlaps atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 25 {
				unlock, err := filelock.Lock(t.Context(), path)
				if err != nil {
					t.Error(err)
					return
				}
				if inside.Add(1) != 1 {
					overlaps.Add(1)
				}
				runtime.Gosched()
				inside.Add(-1)
				if err := unlock(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n := overlaps.Load(); n != 0 {
		t.Fatalf("%d times two holders had the lock at once", n)
	}
}

// TestLockCanceled: a waiter gives up when its context ends, and the lock
// it would have taken is not leaked.
func TestLockCanceled(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "x.lock")
	unlock, err := filelock.Lock(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := filelock.Lock(ctx, path); !errors.Is(err, context.Canceled) {
		t.Fatalf("Lock with a canceled context while held: %v, want context.Canceled", err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	unlock, err = filelock.Lock(t.Context(), path)
	if err != nil {
		t.Fatalf("Lock after the holder and the abandoned waiter let go: %v", err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
}

func TestLockMissingFolder(t *testing.T) {
	t.Parallel()
	if _, err := filelock.Lock(t.Context(), filepath.Join(t.TempDir(), "no", "x.lock")); err == nil {
		t.Fatal("Lock in a missing folder succeeded")
	}
}
