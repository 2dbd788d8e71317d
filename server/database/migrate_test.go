package database_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/database/databasetest"
)

// eachDSN runs fn on a fresh SQLite path and on a fresh PostgreSQL schema.
func eachDSN(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, filepath.Join(t.TempDir(), "data", "svarsign.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, databasetest.PostgresDSN(t))
	})
}

// TestOpenConcurrently opens one fresh database from 8 goroutines at once:
// each must find the whole schema, none may trip over another's migration
// ("table already exists").
func TestOpenConcurrently(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		const n = 8
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				<-start
				db, err := database.Open(t.Context(), dsn)
				if err == nil {
					_, err = db.Ent.Org.Query().Count(t.Context())
					if cerr := db.Close(); err == nil {
						err = cerr
					}
				}
				errs[i] = err
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("open %d: %v", i, err)
			}
		}
	})
}

// TestOpenExisting: with database.Existing, a database that is not there
// is refused and nothing is created; once it exists, it opens.
func TestOpenExisting(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "data")
		dsn := filepath.Join(dir, "svarsign.db")
		_, err := database.Open(t.Context(), dsn, database.Existing())
		if !errors.Is(err, database.ErrNoDatabase) || err.Error() != "no database at "+dsn {
			t.Fatalf("Open(Existing) of a missing file: %v, want %q", err, "no database at "+dsn)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("the refused Open left its folder behind: %v", err)
		}
		// An empty file (not made by svarsign) is no database either.
		if err := os.MkdirAll(dir, 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dsn, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := database.Open(t.Context(), dsn, database.Existing()); !errors.Is(err, database.ErrNoDatabase) {
			t.Fatalf("Open(Existing) of an empty file: %v, want ErrNoDatabase", err)
		}
		openExisting(t, dsn)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		dsn := databasetest.PostgresDSN(t)
		_, err := database.Open(t.Context(), dsn, database.Existing())
		if !errors.Is(err, database.ErrNoDatabase) {
			t.Fatalf("Open(Existing) of an empty schema: %v, want ErrNoDatabase", err)
		}
		t.Log(err)
		openExisting(t, dsn)
	})
}

func openExisting(t *testing.T, dsn string) {
	t.Helper()
	db, err := database.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = database.Open(t.Context(), dsn, database.Existing())
	if err != nil {
		t.Fatalf("Open(Existing) of a database made by Open: %v", err)
	}
	db.Close()
}

// TestOpenMigrationLock plays another process holding the migration lock:
// a database recorded at another schema version waits for it, then is
// migrated again; one at this build's version opens without it on
// PostgreSQL, while on SQLite even connecting waits its turn.
func TestOpenMigrationLock(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		db, err := database.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var version string
		if err := db.SQL.QueryRowContext(t.Context(), "SELECT version FROM svarsign_schema").Scan(&version); err != nil || len(version) != 32 {
			t.Fatalf("recorded schema version %q, %v", version, err)
		}
		unlock, err := db.LockSchema(t.Context(), dsn+".lock")
		if err != nil {
			t.Fatal(err)
		}
		defer func() { unlock() }()

		// openWaiting is Open with a context that ends after a second, for
		// an Open that must wait for the lock.
		openWaiting := func() error {
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			db, err := database.Open(ctx, dsn)
			if err == nil {
				db.Close()
			}
			return err
		}
		if db.Dialect == "postgres" {
			// Bounded so that a wrongly taken lock fails the test instead of hanging it.
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			db2, err := database.Open(ctx, dsn)
			if err != nil {
				t.Fatalf("Open of a current database while the lock is held: %v", err)
			}
			db2.Close()
		} else if err := openWaiting(); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Open of a SQLite database while the lock is held: %v, want it to wait", err)
		}

		if _, err := db.SQL.ExecContext(t.Context(), "UPDATE svarsign_schema SET version = 'older'"); err != nil {
			t.Fatal(err)
		}
		if err := openWaiting(); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Open of an outdated database while the lock is held: %v, want it to wait", err)
		}
		unlock()
		unlock = func() {}
		db2, err := database.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		db2.Close()
		var again string
		if err := db.SQL.QueryRowContext(t.Context(), "SELECT version FROM svarsign_schema").Scan(&again); err != nil || again != version {
			t.Fatalf("schema version after migrating again: %q, %v; want %q", again, err, version)
		}
	})
}
