package database

import "context"

// LockSchema takes the migration lock, for tests that play another process.
func (db *DB) LockSchema(ctx context.Context, lockPath string) (unlock func(), err error) {
	return db.lockSchema(ctx, lockPath)
}

// Queued is how many units wait for a batch, for tests that line units up.
func Queued(b *Batcher) int { return len(b.queue) }
