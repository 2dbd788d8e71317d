// Package database opens the service's SQL database (SQLite or PostgreSQL)
// and runs work in one transaction that ent writes and River job inserts
// share, so a state change and the work it causes commit together.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"

	"github.com/svarsign/svarsign/ent"
	// ent/runtime attaches the schema's defaults and hooks (the status
	// rules among them) to the generated packages; without it they would
	// silently not run.
	_ "github.com/svarsign/svarsign/ent/runtime"
)

// DB is an open database: the pool, an ent client on it, and which dialect
// it speaks. Dialect is entgo.io/ent/dialect.SQLite or dialect.Postgres.
type DB struct {
	SQL     *sql.DB
	Ent     *ent.Client
	Dialect string
	// Now is the service's clock, for the times written with status
	// changes (WithClock; time.Now by default), in UTC to the microsecond.
	Now func() time.Time
}

// sqliteParams are added to every SQLite DSN. WAL lets readers run beside
// the single writer; busy_timeout and BEGIN IMMEDIATE (_txlock) make
// concurrent writers wait their turn instead of failing with SQLITE_BUSY;
// synchronous is left at its default, FULL, so a commit survives power loss.
var sqliteParams = [...]struct{ key, name, value string }{
	{"_pragma", "journal_mode", "journal_mode(WAL)"},
	{"_pragma", "busy_timeout", "busy_timeout(5000)"},
	{"_pragma", "foreign_keys", "foreign_keys(1)"},
	// Savepoints (one per unit of a group commit) keep their undo log in
	// temporary storage: memory, not a file written for every statement.
	{"_pragma", "temp_store", "temp_store(MEMORY)"},
	{"_txlock", "", "immediate"},
}

// Option configures Open.
type Option func(*options)

type options struct {
	log      *slog.Logger
	existing bool
	now      func() time.Time
}

// WithClock makes the times written by transactions (status changes,
// history) come from now instead of time.Now: app passes the service's
// clock, which tests move.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithLogger sends migration logs to log instead of slog.Default().
func WithLogger(log *slog.Logger) Option { return func(o *options) { o.log = log } }

// Existing makes Open refuse, with ErrNoDatabase, a database that has not
// been created yet (for SQLite, a missing file) instead of creating it, so
// a command that only reads, run in the wrong folder, creates nothing.
// An existing database is still brought up to date.
func Existing() Option { return func(o *options) { o.existing = true } }

// ErrNoDatabase is the error of Open with Existing for a database that does
// not exist or has no svarsign schema.
var ErrNoDatabase = errors.New("no database")

// Open opens the database named by dsn and brings its schema (ent's tables
// and River's) up to date, so a fresh database is ready to use. Any number
// of processes may open one database at once: they take turns at the
// migration (see migrate).
//
// A dsn starting with postgres:// or postgresql:// is PostgreSQL, reached
// through pgx; anything else is SQLite: a file path, optionally prefixed with
// "sqlite:" and followed by "?driver-params". Missing parent folders of a
// SQLite file are created, unless the option Existing is given.
func Open(ctx context.Context, dsn string, opts ...Option) (*DB, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.log == nil {
		o.log = slog.Default()
	}
	now := time.Now
	if o.now != nil {
		now = o.now
	}
	var (
		sqlDB    *sql.DB
		dialect  string
		lockPath string
		err      error
	)
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		dialect = dialectPostgres
		sqlDB, err = openPostgres(dsn)
	} else {
		dialect = dialectSQLite
		var path string
		sqlDB, path, err = openSQLite(dsn, o.existing)
		lockPath = path + ".lock"
	}
	if err != nil {
		return nil, err
	}
	db := &DB{
		SQL:     sqlDB,
		Ent:     ent.NewClient(ent.Driver(entsql.OpenDB(dialect, sqlDB))),
		Dialect: dialect,
		Now:     func() time.Time { return now().UTC().Truncate(time.Microsecond) },
	}
	if err := db.migrate(ctx, o.log, lockPath, o.existing); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return db, nil
}

const (
	dialectSQLite   = dialect.SQLite
	dialectPostgres = dialect.Postgres
)

func openPostgres(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("database: parse postgres dsn: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	// Several instances share one server; keep each one's share modest and
	// recycle connections so a failover or config change is picked up.
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(30 * time.Minute)
	return db, nil
}

// openSQLite opens the SQLite database named by dsn and returns its file
// path. With existing, a missing file is ErrNoDatabase; otherwise the
// file's folder is created.
func openSQLite(dsn string, existing bool) (*sql.DB, string, error) {
	path, name, err := sqliteDSN(dsn)
	if err != nil {
		return nil, "", err
	}
	if existing {
		// Opening a missing file would create it.
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, "", fmt.Errorf("%w at %s", ErrNoDatabase, path)
		} else if err != nil {
			return nil, "", fmt.Errorf("database: %w", err)
		}
	} else if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, "", fmt.Errorf("database: create folder for sqlite file: %w", err)
	}
	db := sql.OpenDB(stmtCacheConnector{drv: &sqlite.Driver{}, dsn: name, size: stmtCacheSize})
	// SQLite has one writer at a time whatever the pool size; a few
	// connections let readers proceed beside it (WAL). Connections are kept,
	// since each one carries its pragmas and page cache.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	return db, path, nil
}

// sqliteDSN turns "[sqlite:[//]]PATH[?params]" into PATH and the
// modernc.org/sqlite DSN with our defaults added. Parameters given in dsn
// win over the defaults.
func sqliteDSN(dsn string) (path, name string, err error) {
	path, rawQuery, _ := strings.Cut(dsn, "?")
	if rest, ok := strings.CutPrefix(path, "sqlite:"); ok {
		path = strings.TrimPrefix(rest, "//")
	}
	switch {
	case path == "":
		return "", "", errors.New("database: empty sqlite path")
	case path == ":memory:" || strings.HasPrefix(path, "file:"):
		// An in-memory database is private to one connection of the pool,
		// and URI names bypass the folder creation in openSQLite.
		return "", "", fmt.Errorf("database: unsupported sqlite path %q: use a file path", path)
	}
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", "", fmt.Errorf("database: sqlite dsn parameters: %w", err)
	}
	for _, p := range sqliteParams {
		if !hasParam(query, p.key, p.name) {
			query.Add(p.key, p.value)
		}
	}
	return path, path + "?" + query.Encode(), nil
}

// hasParam reports whether query sets key, or for _pragma, the pragma name.
func hasParam(query url.Values, key, name string) bool {
	if name == "" {
		return query.Has(key)
	}
	for _, v := range query[key] {
		v = strings.ToLower(strings.TrimSpace(v))
		if v == name || strings.HasPrefix(v, name+"(") || strings.HasPrefix(v, name+"=") {
			return true
		}
	}
	return false
}

// Close closes the pool. River clients using it must be stopped first.
func (db *DB) Close() error {
	return db.SQL.Close()
}
