package database

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"entgo.io/ent/dialect/sql/schema"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/svarsign/svarsign/ent/migrate"
	"github.com/svarsign/svarsign/internal/filelock"
)

// versionTable records which schema a database was last migrated to: a
// hash of ent's table definitions and River's migrations (see
// schemaVersion). A process finding the version it would migrate to there
// skips the migration (and on PostgreSQL its lock).
const versionTable = "svarsign_schema"

// pgLockClass is the first key of the PostgreSQL advisory lock held while
// migrating; the second is the hash of the schema's name (pgLockKey), so
// databases in different schemas of one server migrate independently.
const pgLockClass int32 = 0x73767367 // "svsg"

const pgLockKey = "hashtext(coalesce(current_schema(), ''))"

// schemaMu serialises ent's schema migration within the process: it
// rewrites ent's package-level table descriptions (ent/migrate.Tables), so
// two databases opened at once would race on them.
var schemaMu sync.Mutex

// migrate creates or updates ent's tables and River's.
//
// Neither migrates safely beside another process doing the same: ent
// creates what it found missing a moment before ("table already exists"),
// and River applies each version it found unapplied. So the migration runs
// under a lock that works across processes (see lockSchema), and whoever
// gets the lock first checks again whether there is still anything to do.
// A database already at this build's schema version is not migrated, and
// on PostgreSQL opened without the lock.
func (db *DB) migrate(ctx context.Context, log *slog.Logger, lockPath string, existing bool) error {
	var unlock func()
	if db.Dialect == dialectSQLite {
		// The first connection to a new SQLite file switches it to WAL,
		// which fails at once with SQLITE_BUSY, without waiting, when
		// another process is doing the same: on SQLite even connecting
		// takes turns (briefly, unless a migration is under way).
		var err error
		if unlock, err = db.lockSchema(ctx, lockPath); err != nil {
			return fmt.Errorf("database: lock for migration: %w", err)
		}
		defer unlock()
	}
	if err := db.SQL.PingContext(ctx); err != nil {
		return fmt.Errorf("database: connect: %w", err)
	}
	var driver riverdriver.Driver[*sql.Tx] = riverdatabasesql.New(db.SQL)
	if db.Dialect == dialectSQLite {
		driver = riversqlite.New(db.SQL)
	}
	river, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: log})
	if err != nil {
		return fmt.Errorf("database: migrate river schema: %w", err)
	}
	want := schemaVersion(river)
	have, found, err := db.schemaState(ctx)
	if err != nil {
		return err
	}
	if !found && existing {
		return db.noSchema(ctx)
	}
	if have == want {
		return nil
	}
	if unlock == nil {
		if unlock, err = db.lockSchema(ctx, lockPath); err != nil {
			return fmt.Errorf("database: lock for migration: %w", err)
		}
		defer unlock()
		if have, _, err = db.schemaState(ctx); err != nil || have == want {
			return err // migrated by the process that held the lock before
		}
	}
	schemaMu.Lock()
	err = db.Ent.Schema.Create(ctx)
	schemaMu.Unlock()
	if err != nil {
		return fmt.Errorf("database: migrate ent schema: %w", err)
	}
	if _, err := river.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("database: migrate river schema: %w", err)
	}
	if err := db.setSchemaVersion(ctx, want); err != nil {
		return err
	}
	log.InfoContext(ctx, "database: schema migrated", "version", want)
	return nil
}

// schemaVersion names the schema this build migrates to.
func schemaVersion(river *rivermigrate.Migrator[*sql.Tx]) string {
	h := sha256.New()
	h.Write(entSchema())
	for _, m := range river.AllVersions() {
		fmt.Fprintf(h, "river %d\n", m.Version)
	}
	return fmt.Sprintf("%x", h.Sum(nil)[:16])
}

// entSchema describes ent's tables. It is taken once per process, before
// ent's first migration: that rewrites parts of the descriptions (column
// keys, over-long index names), which would make the same schema look
// different to a process that has migrated and one that has not.
var entSchema = sync.OnceValue(func() []byte {
	var b []byte
	cols := func(cs []*schema.Column) []string {
		names := make([]string, len(cs))
		for i, c := range cs {
			names[i] = c.Name
		}
		return names
	}
	for _, t := range migrate.Tables {
		b = fmt.Appendf(b, "table %q pk %q\n", t.Name, cols(t.PrimaryKey))
		for _, c := range t.Columns {
			b = fmt.Appendf(b, "column %q %s %v size=%d null=%t unique=%t inc=%t default=%#v enums=%q attr=%q collation=%q\n",
				c.Name, c.Type, c.SchemaType, c.Size, c.Nullable, c.Unique, c.Increment, c.Default, c.Enums, c.Attr, c.Collation)
		}
		for _, ix := range t.Indexes {
			b = fmt.Appendf(b, "index %q unique=%t %q", ix.Name, ix.Unique, cols(ix.Columns))
			if ix.Annotation != nil {
				b = fmt.Appendf(b, " %+v", *ix.Annotation)
			}
			b = append(b, '\n')
		}
		for _, fk := range t.ForeignKeys {
			ref := ""
			if fk.RefTable != nil {
				ref = fk.RefTable.Name
			}
			b = fmt.Appendf(b, "fk %q %q -> %q %q update=%q delete=%q\n",
				fk.Symbol, cols(fk.Columns), ref, cols(fk.RefColumns), fk.OnUpdate, fk.OnDelete)
		}
	}
	return b
})

// schemaState reports the recorded schema version ("" if none) and whether
// svarsign's tables are there at all.
func (db *DB) schemaState(ctx context.Context) (version string, found bool, err error) {
	var hasTables, hasVersion bool
	switch db.Dialect {
	case dialectPostgres:
		err = db.SQL.QueryRowContext(ctx, "SELECT to_regclass($1) IS NOT NULL, to_regclass($2) IS NOT NULL",
			migrate.OrgsTable.Name, versionTable).Scan(&hasTables, &hasVersion)
	default:
		err = db.SQL.QueryRowContext(ctx,
			"SELECT count(*) FILTER (WHERE name = ?), count(*) FILTER (WHERE name = ?) FROM sqlite_master WHERE type = 'table'",
			migrate.OrgsTable.Name, versionTable).Scan(&hasTables, &hasVersion)
	}
	if err != nil {
		return "", false, fmt.Errorf("database: reading the schema version: %w", err)
	}
	if !hasVersion {
		return "", hasTables, nil
	}
	err = db.SQL.QueryRowContext(ctx, "SELECT version FROM "+versionTable+" WHERE id = 1").Scan(&version)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", false, fmt.Errorf("database: reading the schema version: %w", err)
	}
	return version, hasTables, nil
}

func (db *DB) setSchemaVersion(ctx context.Context, version string) error {
	arg := "?"
	if db.Dialect == dialectPostgres {
		arg = "$1"
	}
	_, err := db.SQL.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+versionTable+
		" (id INTEGER PRIMARY KEY CHECK (id = 1), version TEXT NOT NULL)")
	if err == nil {
		_, err = db.SQL.ExecContext(ctx, "INSERT INTO "+versionTable+" (id, version) VALUES (1, "+arg+
			") ON CONFLICT (id) DO UPDATE SET version = excluded.version", version)
	}
	if err != nil {
		return fmt.Errorf("database: recording the schema version: %w", err)
	}
	return nil
}

// noSchema is the ErrNoDatabase for a database without svarsign's tables.
func (db *DB) noSchema(ctx context.Context) error {
	if db.Dialect != dialectPostgres {
		return fmt.Errorf("%w: the SQLite file has no svarsign tables", ErrNoDatabase)
	}
	var name, schema string
	err := db.SQL.QueryRowContext(ctx, "SELECT current_database(), coalesce(current_schema(), '')").Scan(&name, &schema)
	if err != nil {
		return fmt.Errorf("%w: the PostgreSQL database has no svarsign tables", ErrNoDatabase)
	}
	if schema == "" {
		return fmt.Errorf("%w: PostgreSQL database %q has none of the schemas in its search_path", ErrNoDatabase, name)
	}
	return fmt.Errorf("%w: PostgreSQL database %q has no svarsign tables in schema %q", ErrNoDatabase, name, schema)
}

// lockSchema waits for the migration lock of the database and returns
// the function that releases it: on PostgreSQL a session-level advisory
// lock keyed by the schema's name, on SQLite a lock on the file lockPath
// beside the database. Either is released by the end of the process too.
func (db *DB) lockSchema(ctx context.Context, lockPath string) (unlock func(), err error) {
	if db.Dialect != dialectPostgres {
		release, err := filelock.Lock(ctx, lockPath)
		if err != nil {
			return nil, err
		}
		return func() { _ = release() }, nil
	}
	// A session-level advisory lock belongs to one connection: keep that
	// connection aside while the migration uses others of the pool.
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1, "+pgLockKey+")", pgLockClass); err != nil {
		discard(conn)
		return nil, err
	}
	return func() {
		_, err := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1, "+pgLockKey+")", pgLockClass)
		if err != nil {
			// Ending the session releases the lock whatever state it is in.
			discard(conn)
			return
		}
		_ = conn.Close()
	}, nil
}

// discard closes conn's session instead of returning it to the pool.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}
