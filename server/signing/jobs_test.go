package signing

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertest"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/shipment"
	"github.com/svarsign/svarsign/ent/signingevent"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/database/databasetest"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/store"
)

// Valid numbers, as internal/svarsigntest makes them (that package
// imports this one, so a test here cannot use it).
const (
	testSigner   = "14038510070"
	testSender   = "910000004"
	testReplyOrg = "910000012"
)

// fixture is a database with a sender and a reply_to organisation, a blob
// store, a clock the workers read, and the transaction rivertest keeps
// jobs in (jobTx).
type fixture struct {
	db        *database.DB
	blobs     *store.Blobs
	ctx       context.Context
	now       time.Time
	sender    *ent.Org
	reply     *ent.Org
	jobDriver riverdriver.Driver[*sql.Tx]
	jobTx     *sql.Tx
}

func newFixture(t *testing.T, db *database.DB) *fixture {
	t.Helper()
	blobs, err := store.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	f := &fixture{db: db, blobs: blobs, ctx: databasetest.Context(t), now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	db.Now = f.clock // the workers date what they write by the transaction's clock
	f.jobDriver, f.jobTx = jobTx(t, db)
	if f.sender, err = db.Ent.Org.Create().SetNumber(testSender).SetName("Avsender kommune").Save(f.ctx); err != nil {
		t.Fatal(err)
	}
	if f.reply, err = db.Ent.Org.Create().SetNumber(testReplyOrg).SetName("Arkiv IKS").Save(f.ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) clock() time.Time { return f.now }

// queued records the jobs Register inserts.
type queued struct{ args []river.JobArgs }

func (q *queued) InsertTx(_ context.Context, _ *database.Tx, args river.JobArgs) error {
	q.args = append(q.args, args)
	return nil
}

// order stores a shipment with one PDF and registers a WAITING order of
// it due at deadline, as SendShipment does.
func (f *fixture) order(t *testing.T, deadline time.Time) *ent.SigningOrder {
	t.Helper()
	id := uuid.New()
	var jobs queued
	err := f.db.InTx(f.ctx, func(ctx context.Context, tx *database.Tx) error {
		err := tx.Ent.Shipment.Create().SetID(id).SetOrgID(f.sender.ID).SetStatus(domain.StatusReceived).
			SetSenderOrgNumber(testSender).SetTitle("Avtale").
			SetRecipientKind(shipment.RecipientKindPERSON).SetRecipientID(testSigner).SetReplyTo(testReplyOrg).
			Exec(ctx)
		if err != nil {
			return err
		}
		doc, err := tx.Ent.Document.Create().SetShipmentID(id).SetFileName("avtale.pdf").SetFileNameKey("avtale.pdf").
			SetMimeType("application/pdf").SetSize(8).SetSha256("-").SetBlobKey("shipments/" + id.String() + "/doc").
			Save(ctx)
		if err != nil {
			return err
		}
		_, err = Register(ctx, tx, &jobs, Spec{
			ShipmentID: id, OrgID: f.sender.ID, DocumentID: doc.ID, FileName: doc.FileName,
			SignatureType: domain.SignatureAdvanced, Deadline: deadline, ReplyTo: testReplyOrg, SignerID: testSigner,
		})
		return err
	})
	if err != nil {
		t.Fatalf("registering order: %v", err)
	}
	if len(jobs.args) != 1 || jobs.args[0] != (ExpireArgs{ShipmentID: id, Deadline: deadline}) {
		t.Fatalf("Register queued %+v, want the expiry at the deadline", jobs.args)
	}
	return f.get(t, id)
}

// get reads the order of shipment id.
func (f *fixture) get(t *testing.T, id uuid.UUID) *ent.SigningOrder {
	t.Helper()
	o, err := orderOf(f.ctx, f.db.Ent, id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// move changes the order of shipment id as the service would.
func (f *fixture) move(t *testing.T, id uuid.UUID, to domain.SigningStatus, change func(*ent.SigningOrderUpdateOne)) {
	t.Helper()
	err := f.db.InTx(f.ctx, func(ctx context.Context, tx *database.Tx) error {
		o, err := orderOf(ctx, tx.Ent, id)
		if err != nil {
			return err
		}
		if change != nil {
			u := tx.Ent.SigningOrder.UpdateOne(o)
			change(u)
			if o, err = u.Save(ctx); err != nil {
				return err
			}
		}
		_, err = transition(ctx, tx, o, to, "test: "+string(to))
		return err
	})
	if err != nil {
		t.Fatalf("moving order to %s: %v", to, err)
	}
}

// work runs one job of w with rivertest and returns what became of it.
func work[T river.JobArgs](t *testing.T, f *fixture, w river.Worker[T], args T) *rivertest.WorkResult {
	t.Helper()
	res, err := rivertest.NewWorker(t, f.jobDriver, &river.Config{}, w).Work(f.ctx, t, f.jobTx, args, nil)
	if err != nil {
		t.Fatalf("working %s: %v", args.Kind(), err)
	}
	return res
}

// jobTx opens the transaction rivertest keeps the job in while the worker
// runs. The workers write through transactions of their own meanwhile,
// which on SQLite, with its one writer, would wait for this one for ever;
// so there the job lives in a database of its own.
func jobTx(t *testing.T, db *database.DB) (riverdriver.Driver[*sql.Tx], *sql.Tx) {
	t.Helper()
	var driver riverdriver.Driver[*sql.Tx]
	if db.Dialect == dialect.SQLite {
		db = databasetest.SQLite(t)
		driver = riversqlite.New(db.SQL)
	} else {
		driver = riverdatabasesql.New(db.SQL)
	}
	tx, err := db.SQL.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback() })
	return driver, tx
}

func wantStatus(t *testing.T, o *ent.SigningOrder, want domain.SigningStatus) {
	t.Helper()
	if o.Status != want {
		t.Errorf("order of %s is %s, want %s", o.ShipmentID, o.Status, want)
	}
}

func TestExpireWorker(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		deadline := f.now.Add(time.Hour)
		w := &expireWorker{db: db, now: f.clock}

		due := f.order(t, deadline)
		cancelled := f.order(t, deadline)
		f.move(t, cancelled.ShipmentID, domain.SigningCancelled, nil)

		// Before the deadline by the service's clock, the job waits for it.
		if res := work(t, f, w, ExpireArgs{ShipmentID: due.ShipmentID, Deadline: deadline}); res.EventKind != river.EventKindJobSnoozed {
			t.Errorf("early job: %s, want snoozed", res.EventKind)
		}
		wantStatus(t, f.get(t, due.ShipmentID), domain.SigningWaiting)

		f.now = deadline
		if res := work(t, f, w, ExpireArgs{ShipmentID: due.ShipmentID, Deadline: deadline}); res.EventKind != river.EventKindJobCompleted {
			t.Errorf("due job: %s, want completed", res.EventKind)
		}
		expired := f.get(t, due.ShipmentID)
		wantStatus(t, expired, domain.SigningExpired)
		last, err := db.Ent.SigningEvent.Query().Where(signingevent.SigningOrderID(expired.ID)).
			Order(ent.Desc(signingevent.FieldID)).First(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if last.Status != domain.SigningExpired {
			t.Errorf("last event %q is %s, want %s", last.Text, last.Status, domain.SigningExpired)
		}

		// A job run again, or for an order no longer waiting, changes
		// nothing and succeeds.
		for _, o := range []*ent.SigningOrder{due, cancelled} {
			if res := work(t, f, w, ExpireArgs{ShipmentID: o.ShipmentID, Deadline: deadline}); res.EventKind != river.EventKindJobCompleted {
				t.Errorf("job for %s: %s, want completed", o.ShipmentID, res.EventKind)
			}
		}
		wantStatus(t, f.get(t, due.ShipmentID), domain.SigningExpired)
		wantStatus(t, f.get(t, cancelled.ShipmentID), domain.SigningCancelled)

		// An order that is gone (its shipment purged) is nothing to do.
		if res := work(t, f, w, ExpireArgs{ShipmentID: uuid.New(), Deadline: deadline}); res.EventKind != river.EventKindJobCompleted {
			t.Errorf("job for a missing order: %s, want completed", res.EventKind)
		}
	})
}

func TestSweepWorker(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		w := &sweepWorker{db: db, now: f.clock, log: slog.New(slog.DiscardHandler)}
		overdue := f.order(t, f.now.Add(-time.Minute))
		atNow := f.order(t, f.now)
		later := f.order(t, f.now.Add(time.Minute))
		cancelled := f.order(t, f.now.Add(-time.Minute))
		f.move(t, cancelled.ShipmentID, domain.SigningCancelled, nil)

		if res := work(t, f, w, SweepArgs{}); res.EventKind != river.EventKindJobCompleted {
			t.Fatalf("sweep: %s, want completed", res.EventKind)
		}
		wantStatus(t, f.get(t, overdue.ShipmentID), domain.SigningExpired)
		wantStatus(t, f.get(t, atNow.ShipmentID), domain.SigningExpired)
		wantStatus(t, f.get(t, later.ShipmentID), domain.SigningWaiting)
		wantStatus(t, f.get(t, cancelled.ShipmentID), domain.SigningCancelled)
	})
}

func TestReturnWorker(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		w := &returnWorker{db: db, blobs: f.blobs}
		o := f.order(t, f.now.Add(time.Hour))

		// Not signed yet: nothing to return.
		if res := work(t, f, w, ReturnArgs{ShipmentID: o.ShipmentID}); res.EventKind != river.EventKindJobCompleted {
			t.Fatalf("return of a waiting order: %s, want completed", res.EventKind)
		}
		if got := f.get(t, o.ShipmentID); got.ReturnShipmentID != nil {
			t.Fatalf("waiting order returned as %s", got.ReturnShipmentID)
		}

		signed := []byte("%PDF-1.7 signed")
		signedKey := "signed/" + o.ShipmentID.String() + "/pdf"
		size, sum, err := f.blobs.Put(f.ctx, signedKey, bytes.NewReader(signed))
		if err != nil {
			t.Fatal(err)
		}
		const evidence = `{"signer":"test"}`
		f.move(t, o.ShipmentID, domain.SigningSigned, func(u *ent.SigningOrderUpdateOne) {
			u.SetSignedBlobKey(signedKey).SetSignedSha256(sum).SetSignedSize(size).SetEvidence(evidence)
		})

		f.now = f.now.Add(time.Minute)
		for range 2 { // the second run finds it returned and does nothing
			if res := work(t, f, w, ReturnArgs{ShipmentID: o.ShipmentID}); res.EventKind != river.EventKindJobCompleted {
				t.Fatalf("return: %s, want completed", res.EventKind)
			}
		}

		got := f.get(t, o.ShipmentID)
		wantStatus(t, got, domain.SigningSigned)
		if got.ReturnShipmentID == nil {
			t.Fatal("signed order not returned")
		}
		incoming, err := db.Ent.Shipment.Query().Where(shipment.DirectionEQ(shipment.DirectionINCOMING)).
			WithDocuments().All(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(incoming) != 1 {
			t.Fatalf("%d return shipments, want 1", len(incoming))
		}
		r := incoming[0]
		if r.ID != *got.ReturnShipmentID || r.OrgID != f.reply.ID || r.Status != domain.StatusReadyForPickup ||
			!r.Pending || r.InReplyTo != o.ShipmentID.String() || r.SentAt == nil || !r.SentAt.Equal(f.now) {
			t.Errorf("return shipment = %+v", r)
		}
		files := map[string]*ent.Document{}
		for _, d := range r.Edges.Documents {
			files[d.FileName] = d
		}
		if d := files["avtale-signert.pdf"]; d == nil || d.BlobKey != signedKey || d.Sha256 != sum || d.Size != size {
			t.Errorf("signed document = %+v", d)
		}
		d := files[EvidenceFileName]
		if d == nil || len(files) != 2 {
			t.Fatalf("documents = %v, want the signed PDF and %s", files, EvidenceFileName)
		}
		rc, err := f.blobs.Open(f.ctx, d.BlobKey)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		if b, err := io.ReadAll(rc); err != nil || string(b) != evidence {
			t.Errorf("evidence blob = %q, %v; want %q", b, err, evidence)
		}
	})
}
