// Package housekeeping removes what has outlived its use: expired citizen
// and case-worker sessions and signing ceremonies (their tokens are stored
// hashed, so this is tidiness and data minimisation rather than a security
// fix), events older than the retention, except those a webhook has not
// delivered yet, and drafts never sent, with their uploaded bytes. It runs
// as periodic River jobs on the leader.
package housekeeping

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/ceremony"
	"github.com/svarsign/svarsign/ent/citizensession"
	"github.com/svarsign/svarsign/ent/event"
	"github.com/svarsign/svarsign/ent/usersession"
	"github.com/svarsign/svarsign/ent/webhook"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/store"
)

// Config is what the housekeeping workers need. DB is required, and
// Blobs by the draft purge.
type Config struct {
	DB    *database.DB
	Blobs *store.Blobs
	// Logger receives what was purged; default slog.Default().
	Logger *slog.Logger
	// Now is the service's clock, by which expiry and retention are
	// measured; default time.Now.
	Now func() time.Time
	// EventRetention is how long events are kept; default
	// DefaultEventRetention.
	EventRetention time.Duration
	// DraftRetention is how long an untouched draft is kept; default
	// DefaultDraftRetention.
	DraftRetention time.Duration
	// Interval is how often the purges run; default 1 hour.
	Interval time.Duration
}

func (c Config) withDefaults() Config {
	c.Logger = cmp.Or(c.Logger, slog.Default())
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.EventRetention <= 0 {
		c.EventRetention = DefaultEventRetention
	}
	if c.DraftRetention <= 0 {
		c.DraftRetention = DefaultDraftRetention
	}
	if c.Interval <= 0 {
		c.Interval = time.Hour
	}
	return c
}

// CeremonyGrace keeps an expired ceremony a while, so a citizen who comes
// back to an old link is told it expired rather than that it never existed.
const CeremonyGrace = 24 * time.Hour

// PurgeArgs is the periodic purge.
type PurgeArgs struct{}

// Kind implements river.JobArgs.
func (PurgeArgs) Kind() string { return "purge_expired" }

// InsertOpts keeps one purge waiting or running at a time: a tick while
// one is pending adds nothing, so a slow queue does not pile up purges.
func (PurgeArgs) InsertOpts() river.InsertOpts { return onlyOne() }

// onlyOne is unique across the states River requires for uniqueness: a job
// of the kind that has not finished yet.
func onlyOne() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
}

// DefaultEventRetention is how long events stay resumable by WatchEvents.
const DefaultEventRetention = 30 * 24 * time.Hour

type worker struct {
	river.WorkerDefaults[PurgeArgs]
	db        *database.DB
	now       func() time.Time
	retention time.Duration
	log       *slog.Logger
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
	events, err := w.purgeEvents(ctx, now.Add(-w.retention))
	if err != nil {
		return fmt.Errorf("purging events: %w", err)
	}
	if citizens+users+ceremonies+events > 0 {
		w.log.InfoContext(ctx, "purged expired rows", "citizen_sessions", citizens, "user_sessions", users, "ceremonies", ceremonies, "events", events)
	}
	return nil
}

// purgeEvents deletes each organisation's events older than before, but
// none that an enabled webhook of the organisation still has to deliver,
// and records how far it deleted so WatchEvents can refuse older cursors
// instead of silently skipping what is gone.
func (w *worker) purgeEvents(ctx context.Context, before time.Time) (int, error) {
	orgs, err := w.db.Ent.Org.Query().All(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, o := range orgs {
		last, err := w.db.Ent.Event.Query().
			Where(event.OrgID(o.ID), event.TimeLT(before)).
			Order(ent.Desc(event.FieldID)).First(ctx)
		if ent.IsNotFound(err) {
			continue
		}
		if err != nil {
			return total, err
		}
		horizon := last.ID
		hooks, err := w.db.Ent.Webhook.Query().Where(webhook.OrgID(o.ID), webhook.Disabled(false)).All(ctx)
		if err != nil {
			return total, err
		}
		for _, h := range hooks {
			horizon = min(horizon, h.DeliveredEventID)
		}
		if horizon <= o.EventsPurgedThrough {
			continue
		}
		err = w.db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
			n, err := tx.Ent.Event.Delete().Where(event.OrgID(o.ID), event.IDLTE(horizon)).Exec(ctx)
			if err != nil {
				return err
			}
			total += n
			return tx.Ent.Org.UpdateOneID(o.ID).SetEventsPurgedThrough(horizon).Exec(ctx)
		})
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// Workers registers the purge worker with a queue (jobs.Config.Register).
func Workers(cfg Config) func(*river.Workers) error {
	cfg = cfg.withDefaults()
	return func(ws *river.Workers) error {
		return river.AddWorkerSafely(ws, &worker{db: cfg.DB, now: cfg.Now, retention: cfg.EventRetention, log: cfg.Logger})
	}
}

// Periodic runs the purge every Interval, and once at start
// (jobs.Config.Periodic).
func Periodic(cfg Config) *river.PeriodicJob {
	cfg = cfg.withDefaults()
	return river.NewPeriodicJob(river.PeriodicInterval(cfg.Interval),
		func() (river.JobArgs, *river.InsertOpts) { return PurgeArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
