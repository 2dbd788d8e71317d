// Package databasetest opens throwaway databases for tests: a SQLite file in
// t.TempDir(), and, when SVARSIGN_TEST_POSTGRES_DSN names a server, a fresh
// PostgreSQL schema that is dropped afterwards.
package databasetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/tenant"
)

// PostgresEnv names the environment variable holding the DSN of a
// PostgreSQL server tests may create schemas in.
const PostgresEnv = "SVARSIGN_TEST_POSTGRES_DSN"

// SQLite opens a fresh SQLite database in t.TempDir(), closed at cleanup.
func SQLite(t testing.TB) *database.DB {
	t.Helper()
	db, err := database.Open(t.Context(), filepath.Join(t.TempDir(), "data", "svarsign.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close sqlite: %v", err)
		}
	})
	return db
}

// Postgres opens a database on a schema of its own on the server named by
// SVARSIGN_TEST_POSTGRES_DSN (see PostgresDSN).
func Postgres(t testing.TB) *database.DB {
	t.Helper()
	db, err := database.Open(t.Context(), PostgresDSN(t))
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close postgres: %v", err)
		}
	})
	return db
}

// PostgresDSN creates a schema of the test's own on the server named by
// SVARSIGN_TEST_POSTGRES_DSN and returns a DSN using it; the schema is dropped
// at cleanup. Without that variable the test is skipped, except under
// CI=true, where skipping would hide that the PostgreSQL path went untested,
// so it fails.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(PostgresEnv)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set; PostgreSQL tests must run in CI", PostgresEnv)
		}
		t.Skipf("%s is not set; skipping PostgreSQL test", PostgresEnv)
	}
	admin, err := openAdmin(dsn)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	schema := "svarsign_test_" + randomHex(8)
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		_ = admin.Close()
		t.Fatalf("postgres: create schema: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		// t.Context() is already canceled when cleanups run.
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("postgres: drop schema %s: %v", schema, err)
		}
	})
	schemaDSN, err := withSearchPath(dsn, schema)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	return schemaDSN
}

// Each runs fn as a subtest on SQLite and on PostgreSQL (see Postgres for
// when that one is skipped).
func Each(t *testing.T, fn func(t *testing.T, db *database.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

func openAdmin(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", PostgresEnv, err)
	}
	return stdlib.OpenDB(*cfg), nil
}

func withSearchPath(dsn, schema string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("parse %s: %w", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails.
	return hex.EncodeToString(b)
}

// Context is t's context in the system's tenant scope: tests reach past
// the API into the database and must say so, as jobs do (package tenant).
func Context(t testing.TB) context.Context {
	return tenant.With(t.Context(), tenant.System("test "+t.Name()))
}
