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
)

// Tx is one open transaction. SQL is for River's InsertTx and raw queries;
// Ent is an ent client whose every statement runs on SQL.
//
// Ent must not be used to start transactions of its own: Ent.Tx joins this
// transaction, and its Commit and Rollback do nothing.
type Tx struct {
	SQL *sql.Tx
	Ent *ent.Client
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
		SQL: sqlTx,
		Ent: ent.NewClient(ent.Driver(&txDriver{
			Conn:    entsql.Conn{ExecQuerier: sqlTx},
			dialect: db.Dialect,
		})),
	}
	if err := fn(ctx, tx); err != nil {
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

// RecordStatus moves a shipment to status and appends the matching entry to
// its history, so the two never disagree. It also stamps updated_at, and
// read_at the first time the shipment becomes READ. It does not check that
// the transition is allowed; that is the caller's business.
func (tx *Tx) RecordStatus(ctx context.Context, shipmentID uuid.UUID, status shipment.Status, text string) (*ent.ShipmentEvent, error) {
	s, err := tx.Ent.Shipment.Get(ctx, shipmentID)
	if err != nil {
		return nil, fmt.Errorf("database: record status %s: %w", status, err)
	}
	now := time.Now().UTC()
	update := tx.Ent.Shipment.UpdateOneID(shipmentID).SetStatus(status).SetUpdatedAt(now)
	if status == shipment.StatusREAD && s.ReadAt == nil {
		update.SetReadAt(now)
	}
	if status == shipment.StatusNOTIFIED && s.NotifiedAt == nil {
		update.SetNotifiedAt(now)
	}
	if err := update.Exec(ctx); err != nil {
		return nil, fmt.Errorf("database: record status %s: %w", status, err)
	}
	var signingStatus string
	ev, err := tx.Ent.ShipmentEvent.Create().
		SetShipmentID(shipmentID).
		SetOrgID(s.OrgID).
		SetTime(now).
		SetStatus(string(status)).
		SetText(text).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("database: record status %s: %w", status, err)
	}
	signing, err := s.QuerySigningOrder().Only(ctx)
	switch {
	case ent.IsNotFound(err):
	case err != nil:
		return nil, fmt.Errorf("database: record status %s: %w", status, err)
	default:
		signingStatus = signing.Status.String()
	}
	if err := tx.AppendEvent(ctx, Event{OrgID: s.OrgID, ShipmentID: shipmentID, Time: now,
		ShipmentStatus: string(status), SigningStatus: signingStatus, Text: text}); err != nil {
		return nil, err
	}
	return ev, nil
}

// Event is one change for the organisation's event stream and webhooks.
type Event struct {
	OrgID          int
	ShipmentID     uuid.UUID
	Time           time.Time
	ShipmentStatus string
	SigningStatus  string // "" without a signing order
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
