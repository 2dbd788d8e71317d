// Package jobs is the service's durable work queue: River on the service's
// own database, its queues and middleware, and the one way jobs are
// inserted. The workers live with what they do (server/delivery,
// server/signing, server/events, server/housekeeping) and are added
// through Config.Register.
//
// Jobs are inserted in the transaction of the state change that causes
// them, so either both commit or neither does; workers are idempotent,
// since River runs a job at least once.
package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"entgo.io/ent/dialect"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/tenant"
)

// Config tunes a Queue. The zero value is usable.
type Config struct {
	// Logger receives River's and the workers' logs. Default slog.Default().
	Logger *slog.Logger
	// Workers is how many jobs this process runs at once. Default 4, which
	// is about what SQLite's single writer can keep busy.
	Workers int
	// Queues are further queues beside the default one, each with how
	// many of its jobs run at once; a job goes to one by its
	// InsertOpts.Queue.
	Queues map[string]int
	// PollInterval is how often the queue looks for new jobs. Neither
	// driver used here gets notified of inserts, so this is the latency
	// between commit and start of a job, paid at each hop of a chain of
	// jobs (a signed document's round trip has three). Default 50ms: an
	// idle server then spends about 2% of a core more on polls than with
	// 200ms (5-6% in all).
	PollInterval time.Duration
	// JobTimeout cancels a job running longer; default 1 minute.
	JobTimeout time.Duration
	// RescueAfter is when a job still marked running, because the process
	// running it died, is given back to the queue; it must exceed
	// JobTimeout. Default 2 minutes: River's own default of an hour would
	// leave a crashed delivery waiting that long.
	RescueAfter time.Duration
	// Register adds the workers of the packages that do the work; a
	// worker that needs to queue follow-up work inserts it with
	// InsertFromWorker inside its own transaction.
	Register []func(*river.Workers) error
	// Periodic are jobs enqueued on a schedule, e.g. sweeps.
	Periodic []*river.PeriodicJob
}

const (
	defaultWorkers      = 4
	defaultPollInterval = 50 * time.Millisecond
	defaultJobTimeout   = time.Minute
	defaultRescueAfter  = 2 * time.Minute
)

// Enqueuer inserts durable jobs inside the caller's transaction, so a job
// exists exactly when the state change that caused it was committed.
// *Queue implements it; the services that queue work depend on this
// rather than on the queue.
type Enqueuer interface {
	InsertTx(ctx context.Context, tx *database.Tx, args river.JobArgs) error
}

var _ Enqueuer = (*Queue)(nil)

// Queue runs jobs stored in the service's database.
type Queue struct {
	client *river.Client[*sql.Tx]
}

// New returns a queue on db with the workers of cfg.Register. It does not
// work jobs until Start; InsertTx works before that.
func New(db *database.DB, cfg Config) (*Queue, error) {
	if db == nil {
		return nil, errors.New("jobs: nil database")
	}
	logger := cmp.Or(cfg.Logger, slog.Default())
	workers := river.NewWorkers()
	for _, register := range cfg.Register {
		if err := register(workers); err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
	}
	var driver riverdriver.Driver[*sql.Tx]
	switch db.Dialect {
	case dialect.SQLite:
		driver = riversqlite.New(db.SQL)
	case dialect.Postgres:
		driver = riverdatabasesql.New(db.SQL)
	default:
		return nil, fmt.Errorf("jobs: unsupported database dialect %q", db.Dialect)
	}
	poll := cmp.Or(cfg.PollInterval, defaultPollInterval)
	queues := map[string]river.QueueConfig{
		river.QueueDefault: {MaxWorkers: cmp.Or(max(cfg.Workers, 0), defaultWorkers)},
	}
	for name, n := range cfg.Queues {
		queues[name] = river.QueueConfig{MaxWorkers: max(n, 1)}
	}
	client, err := river.NewClient(driver, &river.Config{
		Logger:               logger,
		Queues:               queues,
		Workers:              workers,
		PeriodicJobs:         cfg.Periodic,
		JobTimeout:           cmp.Or(cfg.JobTimeout, defaultJobTimeout),
		RescueStuckJobsAfter: cmp.Or(cfg.RescueAfter, defaultRescueAfter),
		FetchPollInterval:    poll,
		// River refuses a cooldown longer than the poll interval.
		FetchCooldown: min(river.FetchCooldownDefault, poll),
		// Jobs act across organisations by design (delivery between
		// them, sweeps, purges); each says so once, here.
		Middleware: []rivertype.Middleware{river.WorkerMiddlewareFunc(
			func(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
				return doInner(tenant.With(ctx, tenant.System("job "+job.Kind)))
			})},
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return &Queue{client: client}, nil
}

// Start starts working jobs in the background. Canceling ctx stops the
// queue abruptly, canceling running jobs; Stop stops it gracefully.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// Stop stops fetching jobs and waits for running ones to finish, or for ctx
// to be done, whichever comes first. Jobs cut short run again later.
func (q *Queue) Stop(ctx context.Context) error {
	if err := q.client.Stop(ctx); err != nil {
		return fmt.Errorf("jobs: stop: %w", err)
	}
	return nil
}

// Subscribe reports what happens to the jobs this process works (River's
// event subscription: completed, failed, snoozed, ...) until cancel is
// called. Tests wait on it instead of sleeping; subscribe before Start to
// miss nothing.
func (q *Queue) Subscribe(kinds ...river.EventKind) (events <-chan *river.Event, cancel func()) {
	return q.client.Subscribe(kinds...)
}

// InsertTx adds a job in tx: it becomes visible to workers when tx commits,
// and vanishes if tx rolls back. The insert itself is deferred to the
// commit, so the jobs of a whole batch of sends are one insert.
func (q *Queue) InsertTx(_ context.Context, tx *database.Tx, args river.JobArgs) error {
	tx.Defer(q, args)
	return nil
}

// Flush inserts the jobs InsertTx deferred in tx, at once.
func (q *Queue) Flush(ctx context.Context, tx *database.Tx, values []any) error {
	params := make([]river.InsertManyParams, len(values))
	for i, v := range values {
		params[i] = river.InsertManyParams{Args: v.(river.JobArgs)}
	}
	if _, err := q.client.InsertManyTx(ctx, tx.SQL, params); err != nil {
		return fmt.Errorf("jobs: insert %d jobs: %w", len(params), err)
	}
	return nil
}

// InsertFromWorker adds a job in tx from inside a running job, through the
// client River puts in the worker's context; like InsertTx, the job exists
// only if tx commits.
func InsertFromWorker(ctx context.Context, tx *database.Tx, args river.JobArgs) error {
	return insertTx(ctx, river.ClientFromContext[*sql.Tx](ctx), tx, args)
}

func insertTx(ctx context.Context, client *river.Client[*sql.Tx], tx *database.Tx, args river.JobArgs) error {
	if _, err := client.InsertTx(ctx, tx.SQL, args, nil); err != nil {
		return fmt.Errorf("jobs: insert %s: %w", args.Kind(), err)
	}
	return nil
}
