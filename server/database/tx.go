package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/shipment"
	"github.com/svarsign/svarsign/server/domain"
)

// Tx is one open transaction. SQL is for River's InsertTx and raw queries;
// Ent is an ent client whose every statement runs on SQL.
//
// Ent must not be used to start transactions of its own: Ent.Tx joins this
// transaction, and its Commit and Rollback do nothing.
type Tx struct {
	SQL *sql.Tx
	Ent *ent.Client
	now func() time.Time
	// deferred is the work handed to Flushers, in order, flushed just
	// before commit.
	deferred []deferred
}

// A Flusher writes at once, just before a transaction commits, what its
// statements handed it with Defer: what costs less for many than for each,
// such as one multi-row insert or one round of fsyncs. Flushers are
// compared with ==, so one must be comparable (a pointer, or a struct of
// them); Flush sees only the values of units of work that succeeded.
type Flusher interface {
	Flush(ctx context.Context, tx *Tx, values []any) error
}

type deferred struct {
	f Flusher
	v any
}

// Defer hands v to f, to be written with the others f gets in this
// transaction when it commits. An error of f fails the commit.
func (tx *Tx) Defer(f Flusher, v any) { tx.deferred = append(tx.deferred, deferred{f, v}) }

// flush calls each Flusher once with its values, in the order of first use.
func (tx *Tx) flush(ctx context.Context) error {
	for len(tx.deferred) > 0 {
		f := tx.deferred[0].f
		var vs []any
		rest := tx.deferred[:0]
		for _, d := range tx.deferred {
			if d.f == f {
				vs = append(vs, d.v)
			} else {
				rest = append(rest, d)
			}
		}
		tx.deferred = rest
		if err := f.Flush(ctx, tx, vs); err != nil {
			return err
		}
	}
	return nil
}

// InTx runs fn in a transaction, committing it if fn returns nil and rolling
// it back if fn returns an error or panics (the panic then continues).
// fn must not keep tx after it returns.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) (err error) {
	sqlTx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("database: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			// Reached on error and on panic; a rollback failure matters
			// less than what caused it, so it is only added to err.
			if rbErr := sqlTx.Rollback(); rbErr != nil && err != nil && !errors.Is(rbErr, sql.ErrTxDone) {
				err = errors.Join(err, fmt.Errorf("database: rollback: %w", rbErr))
			}
		}
	}()
	tx := &Tx{
		now: db.Now,
		SQL: sqlTx,
		Ent: ent.NewClient(ent.Driver(&txDriver{
			Conn:    entsql.Conn{ExecQuerier: sqlTx},
			dialect: db.Dialect,
		})),
	}
	if err := fn(ctx, tx); err != nil {
		return err
	}
	if err := tx.flush(ctx); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		committed = true // Commit ends the transaction even when it fails.
		return fmt.Errorf("database: commit: %w", err)
	}
	committed = true
	return nil
}

// txDriver is an ent driver bound to one *sql.Tx. ent's builders open their
// own transaction for multi-statement writes (UpdateOne, creates with
// edges); here those join the outer one, the way ent's generated Tx does.
// entsql.Driver cannot do this: its Tx method needs a *sql.DB.
type txDriver struct {
	entsql.Conn
	dialect string
}

func (d *txDriver) Dialect() string { return d.dialect }

func (d *txDriver) Tx(context.Context) (dialect.Tx, error) { return dialect.NopTx(d), nil }

// Close does nothing: the transaction belongs to InTx.
func (d *txDriver) Close() error { return nil }

// Now is the time of the database's clock, in UTC.
func (tx *Tx) Now() time.Time { return tx.now() }

// RecordStatus moves shipment id to status to and appends the matching
// entry to its history and the organisation's outbox, so the three never
// disagree. It also stamps updated_at, and read_at and notified_at the
// first time. The change must be one domain.CanTransition allows: ent's
// status hook checks every status write, and a refused change is an error
// wrapping a *domain.TransitionError.
func (tx *Tx) RecordStatus(ctx context.Context, id uuid.UUID, to domain.Status, text string) (*ent.ShipmentEvent, error) {
	s, err := tx.Ent.Shipment.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("database: record status %s: %w", to, err)
	}
	return tx.changeStatus(ctx, s, to, text)
}

// Advance is RecordStatus for a shipment expected in status from: one that
// is missing or in another status, or that another transaction moves
// first, is left alone, and Advance reports false. Jobs use it, so a job
// run twice, even concurrently, records its step once.
func (tx *Tx) Advance(ctx context.Context, id uuid.UUID, from, to domain.Status, text string) (bool, error) {
	s, err := tx.Ent.Shipment.Query().Where(shipment.ID(id), shipment.StatusEQ(from)).Only(ctx)
	if ent.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("database: advance %s->%s: %w", from, to, err)
	}
	if _, err := tx.changeStatus(ctx, s, to, text); err != nil {
		if ent.IsNotFound(err) { // the status hook's compare-and-set lost
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// RecordNote appends an entry to the shipment's history and outbox for its
// current status, without changing it: the first entry of a shipment
// created in its initial status, or a note such as a failed pickup.
func (tx *Tx) RecordNote(ctx context.Context, id uuid.UUID, text string) (*ent.ShipmentEvent, error) {
	s, err := tx.Ent.Shipment.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("database: record note: %w", err)
	}
	return tx.appendHistory(ctx, s, tx.now(), text)
}

// RecordReceived writes the first history entry and outbox event of s, a
// shipment this transaction has just stored in its initial status, as
// the write returned it: unlike RecordNote it reads nothing back, and s
// has no signing order yet.
func (tx *Tx) RecordReceived(ctx context.Context, s *ent.Shipment, text string) error {
	_, err := tx.writeHistory(ctx, s, tx.now(), text, "")
	return err
}

func (tx *Tx) changeStatus(ctx context.Context, s *ent.Shipment, to domain.Status, text string) (*ent.ShipmentEvent, error) {
	now := tx.now()
	update := s.Update().SetStatus(to).SetUpdatedAt(now)
	if to == domain.StatusRead && s.ReadAt == nil {
		update.SetReadAt(now)
	}
	if to == domain.StatusNotified && s.NotifiedAt == nil {
		update.SetNotifiedAt(now)
	}
	s, err := update.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("database: record status %s: %w", to, err)
	}
	return tx.appendHistory(ctx, s, now, text)
}

// appendHistory writes the history entry and the outbox event of s's
// current status.
func (tx *Tx) appendHistory(ctx context.Context, s *ent.Shipment, now time.Time, text string) (*ent.ShipmentEvent, error) {
	var signingStatus domain.SigningStatus
	signing, err := s.QuerySigningOrder().Only(ctx)
	switch {
	case ent.IsNotFound(err):
	case err != nil:
		return nil, fmt.Errorf("database: record status %s: %w", s.Status, err)
	default:
		signingStatus = signing.Status
	}
	return tx.writeHistory(ctx, s, now, text, signingStatus)
}

// writeHistory is appendHistory for a caller that knows the signing status.
func (tx *Tx) writeHistory(ctx context.Context, s *ent.Shipment, now time.Time, text string, signingStatus domain.SigningStatus) (*ent.ShipmentEvent, error) {
	ev, err := tx.Ent.ShipmentEvent.Create().
		SetShipmentID(s.ID).
		SetOrgID(s.OrgID).
		SetTime(now).
		SetStatus(s.Status).
		SetText(text).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("database: record status %s: %w", s.Status, err)
	}
	if err := tx.AppendEvent(ctx, Event{OrgID: s.OrgID, ShipmentID: s.ID, Time: now,
		ShipmentStatus: s.Status, SigningStatus: signingStatus, Text: text}); err != nil {
		return nil, err
	}
	return ev, nil
}

// Event is one change for the organisation's event stream and webhooks.
type Event struct {
	OrgID          int
	ShipmentID     uuid.UUID
	Time           time.Time
	ShipmentStatus domain.Status
	SigningStatus  domain.SigningStatus // "" without a signing order
	Text           string
}

// AppendEvent adds e to the organisation's outbox in this transaction, so
// the stream and webhooks see exactly the changes that committed.
func (tx *Tx) AppendEvent(ctx context.Context, e Event) error {
	err := tx.Ent.Event.Create().
		SetOrgID(e.OrgID).SetShipmentID(e.ShipmentID).SetTime(e.Time).
		SetShipmentStatus(e.ShipmentStatus).SetSigningStatus(e.SigningStatus).SetText(e.Text).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("database: append event: %w", err)
	}
	return nil
}
