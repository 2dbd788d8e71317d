package database

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"entgo.io/ent/dialect"
)

// BatchConfig tunes a Batcher. The zero value is usable.
type BatchConfig struct {
	// MaxBatch is the most units of work one transaction carries. Default
	// 128.
	MaxBatch int
	// Window is how long a batch waits, after its first unit, for more.
	// Default 0: a batch takes what queued while the one before it
	// committed, which under load is plenty and when idle costs nothing.
	Window time.Duration
	// Committers is how many batches commit at once. Default 1 on SQLite,
	// whose single writer would make a second one wait, and 4 on
	// PostgreSQL.
	Committers int
	// Logger receives the stack of a unit that panicked. Default
	// slog.Default().
	Logger *slog.Logger
}

// ErrClosed is the error of Batcher.InTx after Close.
var ErrClosed = errors.New("database: batcher closed")

// A Batcher commits the units of work of concurrent callers together
// (group commit): one transaction, one commit and so one fsync of the
// database for a whole batch, and one Flush per Flusher (one River insert,
// one round of blob fsyncs) instead of one each.
//
// Each unit runs in a savepoint of its own: a unit that fails is rolled
// back alone and gets its own error, the others commit. A unit's caller
// gets its answer only once the batch is durable. A failure of the batch
// itself (a flush or the commit) fails every unit in it.
//
// Units run one after another on the committer's goroutine, with their
// caller's context values but not its cancellation: a caller giving up
// cannot interrupt statements of a transaction others share. A unit whose
// context is done before its batch starts is not run.
type Batcher struct {
	db    *DB
	cfg   BatchConfig
	log   *slog.Logger
	queue chan *unit
	wg    sync.WaitGroup

	// mu guards closed and the queue's closing against sends: InTx sends
	// under the read lock, Close closes under the write lock.
	mu     sync.RWMutex
	closed bool
}

type unit struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *Tx) error
	done chan error // buffered: the committer never waits on a caller
}

// NewBatcher starts the committers of a Batcher on db; Close stops them.
func NewBatcher(db *DB, cfg BatchConfig) *Batcher {
	committers := cfg.Committers
	if committers <= 0 {
		committers = 1
		if db.Dialect == dialect.Postgres {
			committers = 4
		}
	}
	cfg.MaxBatch = cmp.Or(max(cfg.MaxBatch, 0), 128)
	b := &Batcher{
		db:    db,
		cfg:   cfg,
		log:   cmp.Or(cfg.Logger, slog.Default()),
		queue: make(chan *unit, cfg.MaxBatch*committers),
	}
	for range committers {
		b.wg.Go(b.commitLoop)
	}
	return b
}

// InTx runs fn in a transaction shared with other callers' units, like
// DB.InTx: it returns fn's error, or nil once what fn wrote is committed.
// Once fn has been handed over, InTx waits for the batch's outcome even if
// ctx is done, so its caller always knows whether fn's writes committed.
func (b *Batcher) InTx(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	u := &unit{ctx: ctx, fn: fn, done: make(chan error, 1)}
	if err := b.enqueue(u); err != nil {
		return err
	}
	return <-u.done
}

func (b *Batcher) enqueue(u *unit) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return ErrClosed
	}
	select {
	case b.queue <- u:
		return nil
	case <-u.ctx.Done():
		return u.ctx.Err()
	}
}

// Close commits what is queued and stops the committers.
func (b *Batcher) Close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.queue)
	}
	b.mu.Unlock()
	b.wg.Wait()
}

func (b *Batcher) commitLoop() {
	for first := range b.queue {
		b.commit(b.gather(first))
	}
}

// gather returns first and the units queued behind it, up to MaxBatch,
// waiting up to Window for more.
func (b *Batcher) gather(first *unit) []*unit {
	batch := []*unit{first}
	var timeout <-chan time.Time
	if b.cfg.Window > 0 {
		t := time.NewTimer(b.cfg.Window)
		defer t.Stop()
		timeout = t.C
	}
	for len(batch) < b.cfg.MaxBatch {
		select {
		case u, ok := <-b.queue:
			if !ok {
				return batch
			}
			batch = append(batch, u)
			continue
		default:
		}
		if timeout == nil {
			return batch
		}
		select {
		case u, ok := <-b.queue:
			if !ok {
				return batch
			}
			batch = append(batch, u)
		case <-timeout:
			return batch
		}
	}
	return batch
}

// commit runs batch in one transaction and answers each unit.
func (b *Batcher) commit(batch []*unit) {
	errs := make([]error, len(batch))
	err := b.db.InTx(context.Background(), func(_ context.Context, tx *Tx) error {
		for i, u := range batch {
			if err := u.ctx.Err(); err != nil {
				errs[i] = err
				continue
			}
			unitErr, err := b.run(tx, u)
			if err != nil {
				return err
			}
			errs[i] = unitErr
		}
		return nil
	})
	for i, u := range batch {
		if errs[i] == nil && err != nil {
			errs[i] = err
		}
		u.done <- errs[i]
	}
}

// run runs u in a savepoint of tx. unitErr is u's own failure, after which
// its writes and deferred work are undone; err is one that leaves tx
// unusable and so fails the batch.
func (b *Batcher) run(tx *Tx, u *unit) (unitErr, err error) {
	ctx := context.WithoutCancel(u.ctx)
	if _, err := tx.SQL.ExecContext(ctx, "SAVEPOINT unit"); err != nil {
		return nil, fmt.Errorf("database: savepoint: %w", err)
	}
	mark := len(tx.deferred)
	unitErr = b.call(ctx, tx, u)
	if unitErr != nil {
		tx.deferred = tx.deferred[:mark]
		if _, err := tx.SQL.ExecContext(ctx, "ROLLBACK TO SAVEPOINT unit"); err != nil {
			return unitErr, fmt.Errorf("database: rollback to savepoint: %w", err)
		}
	}
	if _, err := tx.SQL.ExecContext(ctx, "RELEASE SAVEPOINT unit"); err != nil {
		return unitErr, fmt.Errorf("database: release savepoint: %w", err)
	}
	return unitErr, nil
}

// call runs u.fn, turning a panic into u's error as net/http does for a
// handler: the batch and the process go on.
func (b *Batcher) call(ctx context.Context, tx *Tx, u *unit) (err error) {
	defer func() {
		if p := recover(); p != nil {
			b.log.ErrorContext(ctx, "panic in a batched transaction", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("database: panic in batched work: %v", p)
		}
	}()
	return u.fn(ctx, tx)
}
