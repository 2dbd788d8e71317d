package database_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/shipmentevent"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/database/databasetest"
	"github.com/svarsign/svarsign/server/domain"
)

func createShipment(ctx context.Context, t testing.TB, c *ent.Client) *ent.Shipment {
	t.Helper()
	o, err := c.Org.Create().
		SetNumber(fmt.Sprintf("%09d", rand.N(1_000_000_000))).
		SetName("Test org").
		Save(ctx)
	if err != nil {
		t.Fatalf("create org: %v", err)
	}
	s, err := c.Shipment.Create().SetOrgID(o.ID).SetStatus(domain.StatusReceived).SetTitle("Letter").Save(ctx)
	if err != nil {
		t.Fatalf("create shipment: %v", err)
	}
	return s
}

func TestOpenSQLiteSettings(t *testing.T) {
	ctx := databasetest.Context(t)
	path := filepath.Join(t.TempDir(), "a", "b", "svarsign.db")
	db, err := database.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Dialect != "sqlite3" {
		t.Errorf("Dialect = %q, want sqlite3", db.Dialect)
	}
	for pragma, want := range map[string]string{
		"journal_mode": "wal",
		"busy_timeout": "5000",
		"foreign_keys": "1",
		"synchronous":  "2", // FULL
	} {
		var got string
		if err := db.SQL.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", pragma, err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
	// The schema is there: River's table and ent's.
	for _, table := range []string{"river_job", "shipments", "shipment_events"} {
		var n int
		if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Errorf("table %s: %v", table, err)
		}
	}
}

func TestOpenTwiceMigratesOnce(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "svarsign.db")
	for range 2 {
		db, err := database.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenRejectsMemory(t *testing.T) {
	if db, err := database.Open(t.Context(), ":memory:"); err == nil {
		db.Close()
		t.Fatal("Open(:memory:) succeeded; every pool connection would see a different database")
	}
}

func TestRecordStatus(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := databasetest.Context(t)
		s := createShipment(ctx, t, db.Ent)

		var ev *ent.ShipmentEvent
		err := db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
			var err error
			ev, err = tx.RecordStatus(ctx, s.ID, domain.StatusAccepted, "Accepted")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if ev.ShipmentID != s.ID || ev.OrgID != s.OrgID || ev.Status != "ACCEPTED" || ev.Text != "Accepted" {
			t.Errorf("event = %+v, want shipment %s org %d ACCEPTED/Accepted", ev, s.ID, s.OrgID)
		}
		got := db.Ent.Shipment.GetX(ctx, s.ID)
		if got.Status != domain.StatusAccepted {
			t.Errorf("status = %s, want ACCEPTED", got.Status)
		}
		if !got.UpdatedAt.After(s.UpdatedAt) {
			t.Errorf("updated_at = %v, not after %v", got.UpdatedAt, s.UpdatedAt)
		}
		if got.ReadAt != nil {
			t.Errorf("read_at = %v, want unset before READ", got.ReadAt)
		}

		// read_at is set by READ; a second READ is not a transition and
		// is refused, leaving everything as it was.
		var firstRead time.Time
		for i := range 2 {
			err := db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
				_, err := tx.RecordStatus(ctx, s.ID, domain.StatusRead, "Read")
				return err
			})
			var te *domain.TransitionError
			if i == 0 && err != nil || i == 1 && !errors.As(err, &te) {
				t.Fatalf("READ #%d: err = %v", i+1, err)
			}
			got := db.Ent.Shipment.GetX(ctx, s.ID)
			if got.ReadAt == nil {
				t.Fatalf("read_at unset after READ #%d", i+1)
			}
			if i == 0 {
				firstRead = *got.ReadAt
			} else if !got.ReadAt.Equal(firstRead) {
				t.Errorf("read_at changed from %v to %v by a refused READ", firstRead, *got.ReadAt)
			}
		}

		events := db.Ent.ShipmentEvent.Query().
			Where(shipmentevent.ShipmentID(s.ID)).
			Order(ent.Asc(shipmentevent.FieldID)).
			AllX(ctx)
		var statuses []string
		for _, e := range events {
			statuses = append(statuses, string(e.Status))
		}
		if fmt.Sprint(statuses) != "[ACCEPTED READ]" {
			t.Errorf("history = %v, want [ACCEPTED READ]", statuses)
		}

		err = db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
			_, err := tx.RecordStatus(ctx, uuid.New(), domain.StatusRead, "Read")
			return err
		})
		if !ent.IsNotFound(err) {
			t.Errorf("RecordStatus of a missing shipment: err = %v, want not found", err)
		}
	})
}

func TestInTxRollback(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := databasetest.Context(t)
		s := createShipment(ctx, t, db.Ent)
		errFail := errors.New("fail on purpose")

		write := func(ctx context.Context, tx *database.Tx) {
			t.Helper()
			// UpdateOne makes ent ask its driver for a transaction of
			// its own; it must join this one.
			if _, err := tx.RecordStatus(ctx, s.ID, domain.StatusAccepted, "Accepted"); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Ent.Org.Create().SetNumber("999999999").SetName("Rolled back").Save(ctx); err != nil {
				t.Fatal(err)
			}
			// The writes are visible inside the transaction only.
			if n := tx.Ent.Org.Query().CountX(ctx); n != 2 {
				t.Errorf("orgs inside tx = %d, want 2", n)
			}
			if n := db.Ent.Org.Query().CountX(ctx); n != 1 {
				t.Errorf("orgs outside tx = %d, want 1: the tx client is not on the transaction", n)
			}
		}
		check := func(how string) {
			t.Helper()
			if n := db.Ent.Org.Query().CountX(ctx); n != 1 {
				t.Errorf("after %s: %d orgs, want 1", how, n)
			}
			if n := db.Ent.ShipmentEvent.Query().CountX(ctx); n != 0 {
				t.Errorf("after %s: %d events, want 0", how, n)
			}
			if got := db.Ent.Shipment.GetX(ctx, s.ID).Status; got != domain.StatusReceived {
				t.Errorf("after %s: status %s, want RECEIVED", how, got)
			}
		}

		err := db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
			write(ctx, tx)
			return errFail
		})
		if !errors.Is(err, errFail) {
			t.Errorf("InTx error = %v, want %v", err, errFail)
		}
		check("error")

		func() {
			defer func() {
				if p := recover(); p != "boom" {
					t.Errorf("recovered %v, want the panic to propagate", p)
				}
			}()
			_ = db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
				write(ctx, tx)
				panic("boom")
			})
		}()
		check("panic")

		// The pool is not left holding a transaction: a write still works.
		err = db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
			_, err := tx.RecordStatus(ctx, s.ID, domain.StatusAccepted, "Accepted")
			return err
		})
		if err != nil {
			t.Fatalf("InTx after rollbacks: %v", err)
		}
	})
}

func TestInTxConcurrentWriters(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := databasetest.Context(t)
		const writers, txs = 8, 20
		shipments := make([]*ent.Shipment, writers)
		for i := range shipments {
			shipments[i] = createShipment(ctx, t, db.Ent)
		}
		var wg sync.WaitGroup
		errs := make(chan error, writers*txs)
		for _, s := range shipments {
			wg.Go(func() {
				for i := range txs {
					err := db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
						// Read, then write: the pattern that fails with
						// SQLITE_BUSY under deferred transactions.
						if _, err := tx.Ent.Shipment.Get(ctx, s.ID); err != nil {
							return err
						}
						_, err := tx.RecordNote(ctx, s.ID, fmt.Sprint("step ", i))
						return err
					})
					if err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n := db.Ent.ShipmentEvent.Query().CountX(ctx); n != writers*txs {
			t.Errorf("%d events, want %d", n, writers*txs)
		}
	})
}
