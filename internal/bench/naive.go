package bench

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the driver the service uses
)

// naiveSender does per send the durable work a plain program would: a
// 1 KiB file written, fsynced and renamed into place, the folder fsynced,
// then one SQLite transaction (WAL, synchronous=FULL) inserting five rows.
// It is the floor sends are compared to: what durability alone costs on
// this machine, paid once per send.
type naiveSender struct {
	dir string
	db  *sql.DB
	doc []byte
}

func newNaiveSender(ctx context.Context, dir string) (*naiveSender, error) {
	if err := os.MkdirAll(filepath.Join(dir, "files"), 0o750); err != nil {
		return nil, err
	}
	dsn := "file:" + filepath.Join(dir, "naive.db") +
		"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE rows (id INTEGER PRIMARY KEY, send TEXT NOT NULL, kind INTEGER NOT NULL, body TEXT NOT NULL)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("naive floor: %w", err)
	}
	return &naiveSender{dir: dir, db: db, doc: make([]byte, 1024)}, nil
}

func (n *naiveSender) close() error { return n.db.Close() }

func (n *naiveSender) send(ctx context.Context, c, i int) error {
	name := fmt.Sprintf("%d-%d", c, i)
	files := filepath.Join(n.dir, "files")
	tmp := filepath.Join(files, name+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(n.doc); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(files, name)); err != nil {
		return err
	}
	d, err := os.Open(files)
	if err != nil {
		return err
	}
	err = d.Sync()
	d.Close()
	if err != nil {
		return err
	}
	tx, err := n.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Now().Format(time.RFC3339Nano)
	for k := range 5 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO rows (send, kind, body) VALUES (?, ?, ?)`, name, k, now); err != nil {
			return err
		}
	}
	return tx.Commit()
}
