package database_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/org"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/database/databasetest"
)

// recorder is a Flusher that records what each flush got.
type recorder struct {
	mu      sync.Mutex
	flushes [][]any
	fail    error
}

func (r *recorder) Flush(_ context.Context, _ *database.Tx, values []any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flushes = append(r.flushes, values)
	return r.fail
}

// heldBatch queues units behind a first one that waits for release, so
// that all of them are gathered into the batch after it (b must have one
// committer). It returns one result channel per unit.
func heldBatch(t *testing.T, ctx context.Context, b *database.Batcher, units []func(context.Context, *database.Tx) error) []chan error {
	t.Helper()
	started, held := make(chan struct{}), make(chan struct{})
	release := sync.OnceFunc(func() { close(held) })
	t.Cleanup(release) // also when the test fails before releasing
	first := make(chan error, 1)
	go func() {
		first <- b.InTx(ctx, func(context.Context, *database.Tx) error {
			close(started)
			<-held
			return nil
		})
	}()
	<-started
	results := make([]chan error, len(units))
	queued := sync.WaitGroup{}
	for i, fn := range units {
		results[i] = make(chan error, 1)
		queued.Go(func() { results[i] <- b.InTx(ctx, fn) })
		// One at a time, so they run in this order. There is no event
		// for a unit queued, so this watches the queue's length.
		waitQueued(t, b, i+1)
	}
	release()
	if err := <-first; err != nil {
		t.Fatalf("holding unit: %v", err)
	}
	t.Cleanup(queued.Wait)
	return results
}

func waitQueued(t *testing.T, b *database.Batcher, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if database.Queued(b) == n {
			return
		}
		runtime.Gosched()
	}
	t.Fatalf("%d units queued, want %d", database.Queued(b), n)
}

func sortedStrings(vs []any) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.(string)
	}
	slices.Sort(out)
	return out
}

func orgNamed(i int) string { return fmt.Sprintf("9%08d", i) }

// insertOrg is a unit that stores an organisation numbered i and defers
// its number to f.
func insertOrg(i int, f database.Flusher, seen *[]*database.Tx, mu *sync.Mutex) func(context.Context, *database.Tx) error {
	return func(ctx context.Context, tx *database.Tx) error {
		mu.Lock()
		*seen = append(*seen, tx)
		mu.Unlock()
		tx.Defer(f, orgNamed(i))
		return tx.Ent.Org.Create().SetNumber(orgNamed(i)).SetName("Batch").Exec(ctx)
	}
}

// TestBatcherGroupsAndIsolatesFailures: units queued together share one
// transaction and one flush; a unit that fails, by its own error, a
// constraint violation or a panic, is rolled back alone, with what it
// deferred, and the others commit.
func TestBatcherGroupsAndIsolatesFailures(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := databasetest.Context(t)
		b := database.NewBatcher(db, database.BatchConfig{Committers: 1, Logger: slog.New(slog.DiscardHandler)})
		t.Cleanup(b.Close)
		f := &recorder{}
		var mu sync.Mutex
		var seen []*database.Tx
		errOwn := errors.New("refused by the unit")
		units := []func(context.Context, *database.Tx) error{
			insertOrg(1, f, &seen, &mu),
			func(ctx context.Context, tx *database.Tx) error { // writes, then fails
				if err := insertOrg(2, f, &seen, &mu)(ctx, tx); err != nil {
					return err
				}
				return errOwn
			},
			insertOrg(3, f, &seen, &mu),
			insertOrg(1, f, &seen, &mu), // the same number as the first: unique constraint
			func(ctx context.Context, tx *database.Tx) error { // writes, then panics
				if err := insertOrg(4, f, &seen, &mu)(ctx, tx); err != nil {
					return err
				}
				panic("unit bug")
			},
			insertOrg(5, f, &seen, &mu),
		}
		results := heldBatch(t, ctx, b, units)
		var errs []error
		for _, r := range results {
			errs = append(errs, <-r)
		}
		// Units 0, 2 and 5 commit; the others fail with their own errors.
		for _, i := range []int{0, 2, 5} {
			if errs[i] != nil {
				t.Errorf("unit %d: %v", i, errs[i])
			}
		}
		if !errors.Is(errs[1], errOwn) {
			t.Errorf("unit 1: %v, want its own error", errs[1])
		}
		if !ent.IsConstraintError(errs[3]) {
			t.Errorf("unit 3: %v, want a constraint error", errs[3])
		}
		if errs[4] == nil || !strings.Contains(errs[4].Error(), "unit bug") {
			t.Errorf("unit 4: %v, want the panic as its error", errs[4])
		}
		numbers, err := db.Ent.Org.Query().Where(org.NameEQ("Batch")).Select(org.FieldNumber).Strings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(numbers)
		if want := []string{orgNamed(1), orgNamed(3), orgNamed(5)}; !slices.Equal(numbers, want) {
			t.Errorf("stored %v, want %v", numbers, want)
		}
		if len(seen) != len(units) {
			t.Fatalf("%d units ran, want %d", len(seen), len(units))
		}
		for _, tx := range seen {
			if tx != seen[0] {
				t.Fatal("the units queued together ran in more than one transaction")
			}
		}
		want := []string{orgNamed(1), orgNamed(3), orgNamed(5)}
		if len(f.flushes) != 1 || !slices.Equal(sortedStrings(f.flushes[0]), want) {
			t.Errorf("flushes %v, want one with %v", f.flushes, want)
		}
	})
}

// TestBatcherFlushFailureFailsTheBatch: when a flush fails, nothing of the
// batch commits and every unit gets the error.
func TestBatcherFlushFailureFailsTheBatch(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := databasetest.Context(t)
		b := database.NewBatcher(db, database.BatchConfig{Committers: 1})
		t.Cleanup(b.Close)
		f := &recorder{fail: errors.New("disk full")}
		var mu sync.Mutex
		var seen []*database.Tx
		results := heldBatch(t, ctx, b, []func(context.Context, *database.Tx) error{
			insertOrg(1, f, &seen, &mu), insertOrg(2, f, &seen, &mu),
		})
		for i, r := range results {
			if err := <-r; !errors.Is(err, f.fail) {
				t.Errorf("unit %d: %v, want the flush's error", i, err)
			}
		}
		if n := db.Ent.Org.Query().Where(org.NameEQ("Batch")).CountX(ctx); n != 0 {
			t.Errorf("%d organisations stored by a failed batch", n)
		}
	})
}

// TestBatcherSkipsCanceledAndCloses: a unit whose caller gave up before
// its batch started does not run; Close commits what is queued, and
// later calls fail with ErrClosed.
func TestBatcherSkipsCanceledAndCloses(t *testing.T) {
	db := databasetest.SQLite(t)
	ctx := databasetest.Context(t)
	b := database.NewBatcher(db, database.BatchConfig{Committers: 1})
	f := &recorder{}
	var mu sync.Mutex
	var seen []*database.Tx
	canceled, cancel := context.WithCancel(ctx)
	ran := false
	started, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- b.InTx(ctx, func(context.Context, *database.Tx) error { close(started); <-release; return nil })
	}()
	<-started
	skipped := make(chan error, 1)
	go func() {
		skipped <- b.InTx(canceled, func(context.Context, *database.Tx) error { ran = true; return nil })
	}()
	// Queued while the batch ahead runs, then its caller gives up.
	waitQueued(t, b, 1)
	cancel()
	kept := make(chan error, 1)
	go func() { kept <- b.InTx(ctx, insertOrg(7, f, &seen, &mu)) }()
	waitQueued(t, b, 2)
	go b.Close()
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-skipped; !errors.Is(err, context.Canceled) || ran {
		t.Errorf("canceled unit: err %v, ran %v", err, ran)
	}
	if err := <-kept; err != nil {
		t.Errorf("unit queued before Close: %v", err)
	}
	if n := db.Ent.Org.Query().Where(org.Number(orgNamed(7))).CountX(ctx); n != 1 {
		t.Errorf("unit queued before Close stored %d rows", n)
	}
	b.Close()
	if err := b.InTx(ctx, func(context.Context, *database.Tx) error { return nil }); !errors.Is(err, database.ErrClosed) {
		t.Errorf("InTx after Close: %v, want ErrClosed", err)
	}
}
