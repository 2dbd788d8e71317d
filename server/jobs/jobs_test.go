package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/database/databasetest"
	"github.com/svarsign/svarsign/server/jobs"
	"github.com/svarsign/svarsign/server/tenant"
)

// markArgs is a job that reports, when worked, which one it was and the
// tenant scope it ran in.
type markArgs struct {
	N int `json:"n"`
}

func (markArgs) Kind() string { return "test_mark" }

type ran struct {
	n     int
	scope tenant.Scope
}

type markWorker struct {
	river.WorkerDefaults[markArgs]
	ran chan<- ran
}

func (w *markWorker) Work(ctx context.Context, job *river.Job[markArgs]) error {
	w.ran <- ran{job.Args.N, tenant.From(ctx)}
	return nil
}

// TestJobOfRolledBackTxNeverRuns: a job exists exactly when the
// transaction that inserted it commits, and runs in the system scope that
// the queue's middleware gives every job.
func TestJobOfRolledBackTxNeverRuns(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := databasetest.Context(t)
		done := make(chan ran, 4)
		q, err := jobs.New(db, jobs.Config{
			Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
			PollInterval: 20 * time.Millisecond,
			Register: []func(*river.Workers) error{func(ws *river.Workers) error {
				return river.AddWorkerSafely(ws, &markWorker{ran: done})
			}},
		})
		if err != nil {
			t.Fatal(err)
		}

		errAbort := errors.New("abort")
		err = db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
			if err := q.InsertTx(ctx, tx, markArgs{N: 1}); err != nil {
				return err
			}
			return errAbort
		})
		if !errors.Is(err, errAbort) {
			t.Fatalf("InTx = %v, want %v", err, errAbort)
		}
		err = db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
			return q.InsertTx(ctx, tx, markArgs{N: 2})
		})
		if err != nil {
			t.Fatal(err)
		}
		// Started with a context of its own: the jobs' scope must come
		// from the queue, not from whoever started it.
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

		select {
		case r := <-done:
			if r.n != 2 {
				t.Errorf("job %d ran first, want the committed job 2", r.n)
			}
			if !r.scope.IsSystem() {
				t.Errorf("job ran in scope %s, want a system scope", r.scope)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("the committed job did not run")
		}
		// The rolled-back job was never stored, so it cannot run later.
		var stored int
		if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM river_job WHERE kind = 'test_mark'").Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != 1 {
			t.Errorf("%d test jobs stored, want 1 (the committed one)", stored)
		}
	})
}
