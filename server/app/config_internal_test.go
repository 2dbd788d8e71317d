package app

import (
	"log/slog"
	"testing"
	"time"
)

// TestShutdownTimeoutDefault: unset, the drain limit is 10 s (the shutdown
// tests set a short one of their own, so they do not wait this long).
func TestShutdownTimeoutDefault(t *testing.T) {
	t.Parallel()
	a, err := Open(t.Context(), Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	if a.cfg.ShutdownTimeout != 10*time.Second {
		t.Fatalf("default ShutdownTimeout %v, want 10s", a.cfg.ShutdownTimeout)
	}
}
