// Package delivery carries a sent shipment to its recipient, as jobs on
// the service's queue (server/jobs): it accepts a RECEIVED shipment,
// delivers it to the recipient's digital mailbox or, between
// organisations, to the recipient organisation's Inbox as an incoming
// copy, and sends to print what stays unread past the read deadline.
//
// Each step is a compare-and-set on the shipment's status in one
// transaction with the job it queues next, so a job that River runs twice
// (it runs each at least once) changes nothing the second time.
package delivery

import (
	"cmp"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/svarsign/svarsign/server/database"
)

// Config is what the delivery workers need. DB is required.
type Config struct {
	DB *database.DB
	// Logger receives the workers' logs; default slog.Default().
	Logger *slog.Logger
	// Now is the service's clock, which the read deadline is measured by;
	// default time.Now.
	Now func() time.Time
	// PrintAfter is the read deadline: a delivered shipment still unread
	// after it goes to print. Default DefaultPrintAfter.
	PrintAfter time.Duration
	// PrintInterval is how often the read deadline is checked; default 1 minute.
	PrintInterval time.Duration
}

// Defaults for the read deadline and how often it is checked.
const (
	DefaultPrintAfter    = 7 * 24 * time.Hour
	defaultPrintInterval = time.Minute
)

func (c Config) withDefaults() Config {
	c.Logger = cmp.Or(c.Logger, slog.Default())
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.PrintAfter <= 0 {
		c.PrintAfter = DefaultPrintAfter
	}
	if c.PrintInterval <= 0 {
		c.PrintInterval = defaultPrintInterval
	}
	return c
}

// Workers registers the delivery workers with a queue (jobs.Config.Register).
func Workers(cfg Config) func(*river.Workers) error {
	cfg = cfg.withDefaults()
	return func(ws *river.Workers) error {
		if err := river.AddWorkerSafely(ws, &acceptWorker{db: cfg.DB, logger: cfg.Logger}); err != nil {
			return err
		}
		if err := river.AddWorkerSafely(ws, &deliverWorker{db: cfg.DB, logger: cfg.Logger}); err != nil {
			return err
		}
		return river.AddWorkerSafely(ws, &printWorker{db: cfg.DB, now: cfg.Now, after: cfg.PrintAfter, logger: cfg.Logger})
	}
}

// Periodic is the read-deadline sweep, every PrintInterval and once at
// start (jobs.Config.Periodic).
func Periodic(cfg Config) *river.PeriodicJob {
	cfg = cfg.withDefaults()
	return river.NewPeriodicJob(river.PeriodicInterval(cfg.PrintInterval),
		func() (river.JobArgs, *river.InsertOpts) { return PrintSweepArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
