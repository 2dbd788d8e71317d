package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/svarsign/svarsign/ent/shipment"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/domain"
)

// PrintSweepArgs sends to print the shipments their recipients have not read
// within the read deadline (SvarUt: SENDT_PRINT), unless they are for
// digital delivery only. A signing order is not affected: the citizen can
// still sign until its own deadline.
type PrintSweepArgs struct{}

// Kind names the job in the queue; stored jobs depend on it, so it must not change.
func (PrintSweepArgs) Kind() string { return "print_unread" }

// Defaults for the read deadline and how often it is checked.
const (
	DefaultPrintAfter    = 7 * 24 * time.Hour
	defaultPrintInterval = time.Minute
)

type printWorker struct {
	river.WorkerDefaults[PrintSweepArgs]
	db     *database.DB
	now    func() time.Time
	after  time.Duration
	logger *slog.Logger
}

// Work moves every overdue shipment on; each in its own transaction with a
// compare-and-set, so a sweep that overlaps a read leaves the read alone.
func (w *printWorker) Work(ctx context.Context, _ *river.Job[PrintSweepArgs]) error {
	due, err := w.db.Ent.Shipment.Query().
		Where(
			shipment.StatusEQ(domain.StatusNotified),
			shipment.DirectionEQ(shipment.DirectionOUTGOING),
			shipment.OnlyDigital(false),
			shipment.NotifiedAtLTE(w.now().UTC().Add(-w.after)),
		).
		Select(shipment.FieldID, shipment.FieldRecipientAddress).
		All(ctx)
	if err != nil {
		return fmt.Errorf("finding unread shipments: %w", err)
	}
	for _, sh := range due {
		to, text := domain.StatusSentToPrint, fmt.Sprintf("Not read within %s; sent to print", w.after)
		if !printable(sh.RecipientAddress) {
			to, text = domain.StatusNotDelivered, fmt.Sprintf("Not read within %s, and there is no postal address to print to", w.after)
		}
		var moved bool
		err := w.db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
			var err error
			moved, err = tx.Advance(ctx, sh.ID, domain.StatusNotified, to, text)
			return err
		})
		logDone(ctx, w.logger, PrintSweepArgs{}.Kind(), sh.ID, moved, err)
		if err != nil {
			return err
		}
	}
	return nil
}

// printable reports whether a stored postal address (protojson of
// svarsign.v1.PostalAddress) is enough to print a letter to.
func printable(stored string) bool {
	var a struct {
		Lines      []string `json:"lines"`
		PostalCode string   `json:"postalCode"`
		PostalArea string   `json:"postalArea"`
	}
	if stored == "" || json.Unmarshal([]byte(stored), &a) != nil {
		return false
	}
	return len(a.Lines) > 0 && strings.TrimSpace(a.Lines[0]) != "" && a.PostalCode != "" && a.PostalArea != ""
}

func registerPrintWorker(workers *river.Workers, db *database.DB, cfg Config, logger *slog.Logger) error {
	return river.AddWorkerSafely(workers, &printWorker{db: db, now: cfg.now(), after: cfg.printAfter(), logger: logger})
}

func printSweep(cfg Config) *river.PeriodicJob {
	interval := cfg.PrintInterval
	if interval <= 0 {
		interval = defaultPrintInterval
	}
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return PrintSweepArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
