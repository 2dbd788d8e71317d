package svarsigntest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/svarsign/svarsign/server/database"
)

// emptyDatabase is a migrated SQLite database with nothing in it, made once
// per test process: Start writes it into each server's data folder, which
// then opens in about 2 ms instead of migrating anew (some 40 ms of CPU,
// one server after another, as migrations take a process-wide lock). It is
// made by database.Open itself, so it is what any new data folder gets.
var emptyDatabase = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "svarsigntest-db-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "svarsign.db")
	db, err := database.Open(context.Background(), path)
	if err != nil {
		return nil, err
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		return nil, fmt.Errorf("%s-wal is left after closing: the copy would miss its contents", path)
	}
	return os.ReadFile(path)
})

// seedDatabase writes the empty database where app.Open will look for it
// (DataDir/svarsign.db, when no DatabaseURL is set), unless something is
// there already.
func seedDatabase(dataDir, databaseURL string) error {
	if databaseURL != "" {
		return nil
	}
	path := filepath.Join(dataDir, "svarsign.db")
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	b, err := emptyDatabase()
	if err != nil {
		return fmt.Errorf("making the empty database: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}
