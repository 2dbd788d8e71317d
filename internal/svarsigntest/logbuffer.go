package svarsigntest

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

// LogBuffer collects what a server writes (its log, a child process's
// output) from its own goroutines while the test reads it.
type LogBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	written chan struct{} // closed, and replaced, at each write; nil until awaited
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.written != nil {
		close(b.written)
		b.written = nil
	}
	return b.buf.Write(p)
}

// String is everything written so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Await waits until cond accepts what was written so far, checking it at
// each write, and returns that; it fails t after timeout.
func (b *LogBuffer) Await(t testing.TB, timeout time.Duration, what string, cond func(string) bool) string {
	t.Helper()
	expired := time.NewTimer(timeout)
	defer expired.Stop()
	for {
		b.mu.Lock()
		s := b.buf.String()
		if b.written == nil {
			b.written = make(chan struct{})
		}
		written := b.written
		b.mu.Unlock()
		if cond(s) {
			return s
		}
		select {
		case <-written:
		case <-expired.C:
			t.Fatalf("waited %v for %s; the output was:\n%s", timeout, what, s)
		}
	}
}
