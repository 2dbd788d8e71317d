package database

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
)

// stmtCacheSize is how many prepared statements each SQLite connection
// keeps. ent and River use a few dozen distinct statements in all.
const stmtCacheSize = 128

// The SQLite driver prepares (parses and plans) every statement it is
// given as text and throws the plan away afterwards: a third of the CPU of
// a read went to SQLite's parser. A connection from stmtCacheConnector
// keeps its prepared statements by query text instead, as pgx does for
// PostgreSQL. The driver resets a prepared statement when its rows are
// closed, so a cached statement holds no read snapshot between uses.

// stmtCacheConnector opens connections of driver drv to dsn that cache
// their prepared statements.
type stmtCacheConnector struct {
	drv  driver.Driver
	dsn  string
	size int
}

func (c stmtCacheConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(sqliteConn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("database: the sqlite driver's connection %T lacks a method the statement cache needs", conn)
	}
	return &cachingConn{sqliteConn: sc, size: c.size, stmts: map[string]*cachedStmt{}, lru: list.New()}, nil
}

func (c stmtCacheConnector) Driver() driver.Driver { return c.drv }

// sqliteConn is what the SQLite driver's connection provides and
// database/sql uses; cachingConn passes all of it through.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// sqliteRows is what the driver's rows provide beyond driver.Rows.
type sqliteRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

type cachedStmt struct {
	stmt    driver.Stmt
	query   *list.Element
	busy    bool // its rows are open
	evicted bool // close it when it is no longer busy
}

// cachingConn is a connection that reuses a prepared statement per query
// text. database/sql uses a connection from one goroutine at a time, but
// a statement's rows may still be open when the next query on the same
// connection starts (inside a transaction); a busy statement is not
// shared: the query gets a statement of its own, closed after it.
type cachingConn struct {
	sqliteConn
	size int

	mu    sync.Mutex
	stmts map[string]*cachedStmt
	lru   *list.List // of query texts, most recently used first
}

// acquire returns a prepared statement for query and the function to call
// when its use ends.
func (c *cachingConn) acquire(ctx context.Context, query string) (driver.Stmt, func() error, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cs, ok := c.stmts[query]; ok && !cs.busy {
		cs.busy = true
		c.lru.MoveToFront(cs.query)
		return cs.stmt, func() error { return c.release(cs) }, nil
	}
	st, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	if _, ok := c.stmts[query]; ok {
		return st, st.Close, nil // the cached one is busy
	}
	cs := &cachedStmt{stmt: st, busy: true, query: c.lru.PushFront(query)}
	c.stmts[query] = cs
	for c.lru.Len() > c.size {
		old := c.lru.Back()
		c.lru.Remove(old)
		victim := c.stmts[old.Value.(string)]
		delete(c.stmts, old.Value.(string))
		victim.evicted = true
		if !victim.busy {
			victim.stmt.Close()
		}
	}
	return st, func() error { return c.release(cs) }, nil
}

func (c *cachingConn) release(cs *cachedStmt) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	cs.busy = false
	if cs.evicted {
		return cs.stmt.Close()
	}
	return nil
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	st, release, err := c.acquire(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, errors.Join(err, release())
	}
	sr, ok := rows.(sqliteRows)
	if !ok {
		rows.Close()
		release()
		return nil, fmt.Errorf("database: the sqlite driver's rows %T lack a method the statement cache passes on", rows)
	}
	return &releasingRows{sqliteRows: sr, release: release}, nil
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	st, release, err := c.acquire(ctx, query)
	if err != nil {
		return nil, err
	}
	res, err := st.(driver.StmtExecContext).ExecContext(ctx, args)
	if rerr := release(); err == nil && rerr != nil {
		return nil, rerr
	}
	return res, err
}

// Close finalizes the cached statements, then closes the connection.
func (c *cachingConn) Close() error {
	c.mu.Lock()
	var errs []error
	for q, cs := range c.stmts {
		errs = append(errs, cs.stmt.Close())
		delete(c.stmts, q)
	}
	c.lru.Init()
	c.mu.Unlock()
	return errors.Join(append(errs, c.sqliteConn.Close())...)
}

// releasingRows gives its statement back when closed.
type releasingRows struct {
	sqliteRows
	release func() error
	once    sync.Once
}

func (r *releasingRows) Close() error {
	err := r.sqliteRows.Close()
	var rerr error
	r.once.Do(func() { rerr = r.release() })
	return errors.Join(err, rerr)
}
