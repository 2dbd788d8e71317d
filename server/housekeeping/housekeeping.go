// Package housekeeping removes what has outlived its use: expired citizen
// and case-worker sessions and signing ceremonies. Their tokens are stored
// hashed, so this is tidiness and data minimisation rather than a
// security fix; it runs as a periodic River job on the leader.
package housekeeping

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/svarsign/svarsign/ent/ceremony"
	"github.com/svarsign/svarsign/ent/citizensession"
	"github.com/svarsign/svarsign/ent/usersession"
	"github.com/svarsign/svarsign/server/database"
)

// CeremonyGrace keeps an expired ceremony a while, so a citizen who comes
// back to an old link is told it expired rather than that it never existed.
const CeremonyGrace = 24 * time.Hour

// PurgeArgs is the periodic purge.
type PurgeArgs struct{}

// Kind implements river.JobArgs.
func (PurgeArgs) Kind() string { return "purge_expired" }

type worker struct {
	river.WorkerDefaults[PurgeArgs]
	db  *database.DB
	now func() time.Time
	log *slog.Logger
}

// Work deletes expired rows; deleting is idempotent, so retries are safe.
func (w *worker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	now := w.now().UTC()
	citizens, err := w.db.Ent.CitizenSession.Delete().Where(citizensession.ExpiresAtLT(now)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("purging citizen sessions: %w", err)
	}
	users, err := w.db.Ent.UserSession.Delete().Where(usersession.ExpiresAtLT(now)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("purging case-worker sessions: %w", err)
	}
	ceremonies, err := w.db.Ent.Ceremony.Delete().Where(ceremony.ExpiresAtLT(now.Add(-CeremonyGrace))).Exec(ctx)
	if err != nil {
		return fmt.Errorf("purging ceremonies: %w", err)
	}
	if citizens+users+ceremonies > 0 {
		w.log.InfoContext(ctx, "purged expired rows", "citizen_sessions", citizens, "user_sessions", users, "ceremonies", ceremonies)
	}
	return nil
}

// Workers registers the purge worker with a queue.
func Workers(db *database.DB, now func() time.Time, log *slog.Logger) func(*river.Workers) error {
	return func(ws *river.Workers) error {
		return river.AddWorkerSafely(ws, &worker{db: db, now: now, log: log})
	}
}

// Periodic runs the purge every interval, and once at start.
func Periodic(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return PurgeArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
