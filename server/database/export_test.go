package database

import "context"

// LockSchema takes the migration lock, for tests that play another process.
func (db *DB) LockSchema(ctx context.Context, lockPath string) (unlock func(), err error) {
	return db.lockSchema(ctx, lockPath)
}
