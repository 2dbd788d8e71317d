package database

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"modernc.org/sqlite"
)

func openCached(t *testing.T, size int) *sql.DB {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "c.db") + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)"
	db := sql.OpenDB(stmtCacheConnector{drv: &sqlite.Driver{}, dsn: dsn, size: size})
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO t (id, v) VALUES (1, 'a'), (2, 'b')"); err != nil {
		t.Fatal(err)
	}
	return db
}

// cached reports the query texts conn holds prepared.
func cached(t *testing.T, conn *sql.Conn) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	err := conn.Raw(func(dc any) error {
		c := dc.(*cachingConn)
		c.mu.Lock()
		defer c.mu.Unlock()
		for q := range c.stmts {
			out[q] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func value(t *testing.T, conn *sql.Conn, id int) string {
	t.Helper()
	var v string
	if err := conn.QueryRowContext(context.Background(), "SELECT v FROM t WHERE id = ?", id).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestStmtCacheReusesAndSeesNewData(t *testing.T) {
	db := openCached(t, 8)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if v := value(t, conn, 1); v != "a" {
		t.Fatalf("v = %q", v)
	}
	var first any
	conn.Raw(func(dc any) error { first = dc.(*cachingConn).stmts["SELECT v FROM t WHERE id = ?"].stmt; return nil })
	// A write on another connection is seen: the cached statement was
	// reset when its rows closed, so it holds no old snapshot.
	if _, err := db.ExecContext(ctx, "UPDATE t SET v = 'A' WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	if v := value(t, conn, 1); v != "A" {
		t.Fatalf("after the update v = %q, want A", v)
	}
	var again any
	conn.Raw(func(dc any) error { again = dc.(*cachingConn).stmts["SELECT v FROM t WHERE id = ?"].stmt; return nil })
	if first == nil || first != again {
		t.Error("the second query did not reuse the prepared statement")
	}
}

func TestStmtCacheBusyStatementIsNotShared(t *testing.T) {
	db := openCached(t, 8)
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const q = "SELECT v FROM t WHERE id >= ? ORDER BY id"
	outer, err := tx.QueryContext(ctx, q, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for outer.Next() {
		var v string
		if err := outer.Scan(&v); err != nil {
			t.Fatal(err)
		}
		// The same text again while its statement's rows are open.
		var inner string
		if err := tx.QueryRowContext(ctx, q, 2).Scan(&inner); err != nil {
			t.Fatal(err)
		}
		got = append(got, v+inner)
	}
	if err := outer.Close(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != "ab" || got[1] != "bb" {
		t.Errorf("rows = %v, want [ab bb]", got)
	}
}

func TestStmtCacheEvicts(t *testing.T) {
	db := openCached(t, 2)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	queries := []string{"SELECT v FROM t WHERE id = ?", "SELECT v FROM t WHERE id = ? AND 1", "SELECT v FROM t WHERE id = ? AND 2"}
	for _, q := range queries {
		var v string
		if err := conn.QueryRowContext(ctx, q, 1).Scan(&v); err != nil || v != "a" {
			t.Fatalf("%s: %q, %v", q, v, err)
		}
	}
	got := cached(t, conn)
	if len(got) != 2 || got[queries[0]] || !got[queries[1]] || !got[queries[2]] {
		t.Errorf("cached = %v, want the two most recent", got)
	}
	if _, err := conn.ExecContext(ctx, "UPDATE t SET v = ? WHERE id = ?", "z", 2); err != nil {
		t.Fatal(err)
	}
	if v := value(t, conn, 2); v != "z" {
		t.Errorf("v = %q after an update through a cached statement", v)
	}
}
