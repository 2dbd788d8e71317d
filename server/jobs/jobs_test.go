package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/shipmentevent"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/database/databasetest"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/jobs"
)

func createShipment(ctx context.Context, t *testing.T, db *database.DB) uuid.UUID {
	t.Helper()
	return createShipmentIn(ctx, t, db, domain.StatusReceived)
}

func createShipmentIn(ctx context.Context, t *testing.T, db *database.DB, status domain.Status) uuid.UUID {
	t.Helper()
	o, err := db.Ent.Org.Create().
		SetNumber(fmt.Sprintf("%09d", rand.N(1_000_000_000))).
		SetName("Test org").
		Save(ctx)
	if err != nil {
		t.Fatalf("create org: %v", err)
	}
	s, err := db.Ent.Shipment.Create().SetOrgID(o.ID).SetStatus(status).Save(ctx)
	if err != nil {
		t.Fatalf("create shipment: %v", err)
	}
	return s.ID
}

// newQueue returns a queue on db, not started, stopped at cleanup.
func newQueue(t *testing.T, db *database.DB) *jobs.Queue {
	t.Helper()
	q, err := jobs.New(db, jobs.Config{
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		Workers:      4,
		PollInterval: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func start(t *testing.T, q *jobs.Queue) {
	t.Helper()
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
}

func insert(ctx context.Context, t *testing.T, db *database.DB, q *jobs.Queue, args ...jobs.AcceptShipmentArgs) {
	t.Helper()
	err := db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
		for _, a := range args {
			if err := q.InsertTx(ctx, tx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// waitFor waits until cond holds, checking it again each time q finishes
// a job (every change here is a job's), and fails after 15 s.
func waitFor(t *testing.T, q *jobs.Queue, what string, cond func() bool) {
	t.Helper()
	// Subscribed before cond is first checked, so no job finishing in
	// between is missed.
	events, cancel := q.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobSnoozed, river.EventKindJobCancelled)
	defer cancel()
	timeout := time.After(15 * time.Second)
	for !cond() {
		select {
		case <-events:
		case <-timeout:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func status(ctx context.Context, t *testing.T, db *database.DB, id uuid.UUID) domain.Status {
	t.Helper()
	s, err := db.Ent.Shipment.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return s.Status
}

// jobCounts returns how many jobs are stored and how many are completed.
// jobCounts counts the shipment jobs, leaving out the periodic sweeps the
// queue enqueues by itself.
func jobCounts(ctx context.Context, t *testing.T, db *database.DB) (all, completed int) {
	t.Helper()
	err := db.SQL.QueryRowContext(ctx,
		"SELECT count(*), count(CASE WHEN state = 'completed' THEN 1 END) FROM river_job WHERE kind IN ('accept_shipment', 'deliver_shipment')").Scan(&all, &completed)
	if err != nil {
		t.Fatal(err)
	}
	return all, completed
}

func history(ctx context.Context, t *testing.T, db *database.DB, id uuid.UUID) []*ent.ShipmentEvent {
	t.Helper()
	events, err := db.Ent.ShipmentEvent.Query().
		Where(shipmentevent.ShipmentID(id)).
		Order(ent.Asc(shipmentevent.FieldID)).
		All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

func TestKinds(t *testing.T) {
	t.Parallel()
	if got := (jobs.AcceptShipmentArgs{}).Kind(); got != "accept_shipment" {
		t.Errorf("AcceptShipmentArgs.Kind() = %q", got)
	}
	if got := (jobs.DeliverShipmentArgs{}).Kind(); got != "deliver_shipment" {
		t.Errorf("DeliverShipmentArgs.Kind() = %q", got)
	}
}

func TestShipmentDelivery(t *testing.T) {
	t.Parallel()
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := databasetest.Context(t)
		id := createShipment(ctx, t, db)
		q := newQueue(t, db)
		// Two accept jobs for one shipment, worked concurrently: the step
		// must still be recorded once.
		insert(ctx, t, db, q, jobs.AcceptShipmentArgs{ShipmentID: id}, jobs.AcceptShipmentArgs{ShipmentID: id})
		start(t, q)

		waitFor(t, q, "shipment NOTIFIED", func() bool { return status(ctx, t, db, id) == domain.StatusNotified })
		waitFor(t, q, "all jobs completed", func() bool {
			all, completed := jobCounts(ctx, t, db)
			return all == 3 && completed == 3 // two accepts, one deliver
		})

		// Once more, after delivery: nothing happens.
		insert(ctx, t, db, q, jobs.AcceptShipmentArgs{ShipmentID: id})
		waitFor(t, q, "repeated accept completed", func() bool {
			all, completed := jobCounts(ctx, t, db)
			return all == 4 && completed == 4
		})

		events := history(ctx, t, db, id)
		var got []string
		for _, e := range events {
			got = append(got, string(e.Status)+": "+e.Text)
		}
		want := []string{
			"ACCEPTED: Accepted for delivery",
			"NOTIFIED: Delivered to the recipient's digital mailbox; the recipient was notified",
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("history:\n got %q\nwant %q", got, want)
		}
		if s := status(ctx, t, db, id); s != domain.StatusNotified {
			t.Errorf("status = %s, want NOTIFIED", s)
		}
	})
}

func TestJobOfRolledBackTxNeverRuns(t *testing.T) {
	t.Parallel()
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := databasetest.Context(t)
		rolledBack := createShipment(ctx, t, db)
		committed := createShipment(ctx, t, db)
		q := newQueue(t, db)

		errAbort := errors.New("abort")
		err := db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
			if err := q.InsertTx(ctx, tx, jobs.AcceptShipmentArgs{ShipmentID: rolledBack}); err != nil {
				return err
			}
			return errAbort
		})
		if !errors.Is(err, errAbort) {
			t.Fatalf("InTx = %v, want %v", err, errAbort)
		}
		// A job committed after it, as a marker that the queue has run.
		insert(ctx, t, db, q, jobs.AcceptShipmentArgs{ShipmentID: committed})
		start(t, q)

		waitFor(t, q, "committed shipment NOTIFIED", func() bool {
			return status(ctx, t, db, committed) == domain.StatusNotified
		})
		if s := status(ctx, t, db, rolledBack); s != domain.StatusReceived {
			t.Errorf("rolled-back shipment status = %s, want RECEIVED", s)
		}
		if events := history(ctx, t, db, rolledBack); len(events) != 0 {
			t.Errorf("rolled-back shipment has %d history events, want 0", len(events))
		}
		if all, _ := jobCounts(ctx, t, db); all != 2 {
			t.Errorf("%d jobs stored, want 2 (accept and deliver of the committed shipment)", all)
		}
	})
}

func TestAcceptIgnoresOtherStatuses(t *testing.T) {
	t.Parallel()
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := databasetest.Context(t)
		id := createShipmentIn(ctx, t, db, domain.StatusDraft)
		q := newQueue(t, db)
		insert(ctx, t, db, q,
			jobs.AcceptShipmentArgs{ShipmentID: id},
			jobs.AcceptShipmentArgs{ShipmentID: uuid.New()}, // no such shipment
		)
		start(t, q)
		waitFor(t, q, "jobs completed", func() bool {
			all, completed := jobCounts(ctx, t, db)
			return all == 2 && completed == 2
		})
		if s := status(ctx, t, db, id); s != domain.StatusDraft {
			t.Errorf("status = %s, want DRAFT", s)
		}
		if events := history(ctx, t, db, id); len(events) != 0 {
			t.Errorf("%d history events, want 0", len(events))
		}
	})
}
