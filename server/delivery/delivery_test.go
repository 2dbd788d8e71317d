package delivery

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertest"
	"github.com/riverqueue/river/rivertype"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/shipment"
	"github.com/svarsign/svarsign/ent/shipmentevent"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/database/databasetest"
	"github.com/svarsign/svarsign/server/domain"
)

// The workers are run here by calling Work, with an insert-only River
// client in the context (rivertest.WorkContext) as River would put there:
// each test sees exactly what one run of a job did, with nothing to wait for.

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fixture is one database with an insert-only River client on it.
type fixture struct {
	db     *database.DB
	driver riverdriver.Driver[*sql.Tx]
	ctx    context.Context
}

func newFixture(t *testing.T, db *database.DB) *fixture {
	t.Helper()
	f := &fixture{db: db}
	switch db.Dialect {
	case dialect.SQLite:
		f.driver = riversqlite.New(db.SQL)
	default:
		f.driver = riverdatabasesql.New(db.SQL)
	}
	client, err := river.NewClient(f.driver, &river.Config{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	f.ctx = rivertest.WorkContext(databasetest.Context(t), client)
	return f
}

func jobOf[A river.JobArgs](args A) *river.Job[A] {
	return &river.Job[A]{JobRow: &rivertype.JobRow{Kind: args.Kind()}, Args: args}
}

func (f *fixture) accept(t *testing.T, id uuid.UUID) {
	t.Helper()
	w := &acceptWorker{db: f.db, logger: quiet}
	if err := w.Work(f.ctx, jobOf(AcceptShipmentArgs{ShipmentID: id})); err != nil {
		t.Fatalf("accept: %v", err)
	}
}

func (f *fixture) deliver(t *testing.T, id uuid.UUID) {
	t.Helper()
	w := &deliverWorker{db: f.db, logger: quiet}
	if err := w.Work(f.ctx, jobOf(DeliverShipmentArgs{ShipmentID: id})); err != nil {
		t.Fatalf("deliver: %v", err)
	}
}

// sweep runs the read-deadline sweep as if the service's clock said now.
func (f *fixture) sweep(t *testing.T, now time.Time) {
	t.Helper()
	w := &printWorker{db: f.db, now: func() time.Time { return now }, after: DefaultPrintAfter, logger: quiet}
	if err := w.Work(f.ctx, jobOf(PrintSweepArgs{})); err != nil {
		t.Fatalf("print sweep: %v", err)
	}
}

func (f *fixture) org(t *testing.T, name string) *ent.Org {
	t.Helper()
	o, err := f.db.Ent.Org.Create().
		SetNumber(fmt.Sprintf("%09d", rand.N(1_000_000_000))).
		SetName(name).
		Save(f.ctx)
	if err != nil {
		t.Fatalf("create org: %v", err)
	}
	return o
}

// shipment stores a shipment of a new organisation in status, set up by
// edit.
func (f *fixture) shipment(t *testing.T, status domain.Status, edit func(*ent.ShipmentCreate)) uuid.UUID {
	t.Helper()
	o := f.org(t, "Avsender kommune")
	c := f.db.Ent.Shipment.Create().SetOrgID(o.ID).SetStatus(status).
		SetSenderOrgNumber(o.Number).SetTitle("Vedtak").
		SetRecipientKind(shipment.RecipientKindPERSON).SetRecipientID("14038510070").
		SetSentAt(time.Now().UTC())
	if edit != nil {
		edit(c)
	}
	s, err := c.Save(f.ctx)
	if err != nil {
		t.Fatalf("create shipment: %v", err)
	}
	return s.ID
}

func (f *fixture) status(t *testing.T, id uuid.UUID) domain.Status {
	t.Helper()
	s, err := f.db.Ent.Shipment.Get(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return s.Status
}

// history is the shipment's history as "STATUS: text" lines.
func (f *fixture) history(t *testing.T, id uuid.UUID) []string {
	t.Helper()
	events, err := f.db.Ent.ShipmentEvent.Query().
		Where(shipmentevent.ShipmentID(id)).
		Order(ent.Asc(shipmentevent.FieldID)).
		All(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, e := range events {
		lines = append(lines, string(e.Status)+": "+e.Text)
	}
	return lines
}

// requireDeliverJob fails unless exactly one deliver job was queued, for id.
func (f *fixture) requireDeliverJob(t *testing.T, id uuid.UUID) {
	t.Helper()
	job := rivertest.RequireInserted[riverdriver.Driver[*sql.Tx], *sql.Tx](f.ctx, t, f.driver, DeliverShipmentArgs{}, nil)
	if job != nil && job.Args.ShipmentID != id {
		t.Errorf("deliver job for %s, want %s", job.Args.ShipmentID, id)
	}
}

func TestKinds(t *testing.T) {
	// Stored jobs are found by these names: they must not change.
	for args, want := range map[river.JobArgs]string{
		AcceptShipmentArgs{}:  "accept_shipment",
		DeliverShipmentArgs{}: "deliver_shipment",
		PrintSweepArgs{}:      "print_unread",
	} {
		if got := args.Kind(); got != want {
			t.Errorf("%T.Kind() = %q, want %q", args, got, want)
		}
	}
}

func TestAcceptOnce(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		id := f.shipment(t, domain.StatusReceived, nil)
		// Two runs of the job at once, as River may do after a crash:
		// the step is recorded, and the delivery queued, once.
		var wg sync.WaitGroup
		w := &acceptWorker{db: f.db, logger: quiet}
		for range 2 {
			wg.Go(func() {
				if err := w.Work(f.ctx, jobOf(AcceptShipmentArgs{ShipmentID: id})); err != nil {
					t.Errorf("accept: %v", err)
				}
			})
		}
		wg.Wait()
		f.accept(t, id) // and once more, later: nothing happens

		if s := f.status(t, id); s != domain.StatusAccepted {
			t.Errorf("status = %s, want ACCEPTED", s)
		}
		if got, want := f.history(t, id), []string{"ACCEPTED: " + acceptedText}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("history:\n got %q\nwant %q", got, want)
		}
		f.requireDeliverJob(t, id)
	})
}

func TestAcceptIgnoresOtherStatuses(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		draft := f.shipment(t, domain.StatusDraft, nil)
		f.accept(t, draft)
		f.accept(t, uuid.New()) // no such shipment
		if s := f.status(t, draft); s != domain.StatusDraft {
			t.Errorf("status = %s, want DRAFT", s)
		}
		if h := f.history(t, draft); len(h) != 0 {
			t.Errorf("history %q, want none", h)
		}
		rivertest.RequireNotInserted[riverdriver.Driver[*sql.Tx], *sql.Tx](f.ctx, t, f.driver, DeliverShipmentArgs{}, nil)
	})
}

func TestDeliverToPerson(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		id := f.shipment(t, domain.StatusReceived, nil)
		f.accept(t, id)
		f.deliver(t, id)
		f.deliver(t, id) // a second run changes nothing

		s, err := db.Ent.Shipment.Get(f.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if s.Status != domain.StatusNotified || s.NotifiedAt == nil {
			t.Errorf("status %s, notified at %v; want NOTIFIED with a time", s.Status, s.NotifiedAt)
		}
		want := []string{"ACCEPTED: " + acceptedText, "NOTIFIED: " + notifiedText}
		if got := f.history(t, id); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("history:\n got %q\nwant %q", got, want)
		}
	})
}

func TestDeliverToOrganisationInbox(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		to := f.org(t, "Mottaker kommune")
		id := f.shipment(t, domain.StatusReceived, func(c *ent.ShipmentCreate) {
			c.SetRecipientKind(shipment.RecipientKindORGANIZATION).SetRecipientID(to.Number)
		})
		if err := db.Ent.Document.Create().SetShipmentID(id).SetFileName("vedtak.pdf").SetFileNameKey("vedtak.pdf").
			SetMimeType("application/pdf").SetSize(3).SetSha256("abc").SetBlobKey("blob-1").SetPosition(0).
			Exec(f.ctx); err != nil {
			t.Fatal(err)
		}
		f.accept(t, id)
		f.deliver(t, id)
		f.deliver(t, id) // a second run makes no second copy

		if s := f.status(t, id); s != domain.StatusReadyForPickup {
			t.Errorf("original status = %s, want READY_FOR_PICKUP", s)
		}
		copies, err := db.Ent.Shipment.Query().Where(shipment.DeliveredFrom(id)).WithDocuments().All(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(copies) != 1 {
			t.Fatalf("%d Inbox copies, want 1", len(copies))
		}
		c := copies[0]
		if c.OrgID != to.ID || c.Direction != shipment.DirectionINCOMING || !c.Pending || c.Status != domain.StatusReadyForPickup {
			t.Errorf("copy: org %d direction %s pending %v status %s; want org %d INCOMING pending READY_FOR_PICKUP",
				c.OrgID, c.Direction, c.Pending, c.Status, to.ID)
		}
		if len(c.Edges.Documents) != 1 || c.Edges.Documents[0].BlobKey != "blob-1" {
			t.Errorf("copy documents %v, want the original's one, sharing its blob", c.Edges.Documents)
		}
		if h := f.history(t, c.ID); len(h) != 1 {
			t.Errorf("copy history %q, want the one note of its arrival", h)
		}
	})
}

func TestPrintSweep(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		address := `{"lines":["Storgata 1"],"postalCode":"0155","postalArea":"OSLO"}`
		delivered := func(edit func(*ent.ShipmentCreate)) uuid.UUID {
			id := f.shipment(t, domain.StatusReceived, edit)
			f.accept(t, id)
			f.deliver(t, id)
			return id
		}
		printable := delivered(func(c *ent.ShipmentCreate) { c.SetRecipientAddress(address) })
		noAddress := delivered(nil)
		digital := delivered(func(c *ent.ShipmentCreate) { c.SetRecipientAddress(address).SetOnlyDigital(true) })

		// By the service's clock, not by the wall clock: a day after
		// delivery nothing is due, eight days after everything is.
		f.sweep(t, time.Now().Add(24*time.Hour))
		for _, id := range []uuid.UUID{printable, noAddress, digital} {
			if s := f.status(t, id); s != domain.StatusNotified {
				t.Errorf("a day after delivery: status %s, want NOTIFIED", s)
			}
		}
		f.sweep(t, time.Now().Add(8*24*time.Hour))
		for id, want := range map[uuid.UUID]domain.Status{
			printable: domain.StatusSentToPrint,
			noAddress: domain.StatusNotDelivered,
			digital:   domain.StatusNotified,
		} {
			if s := f.status(t, id); s != want {
				t.Errorf("eight days after delivery: status %s, want %s", s, want)
			}
		}
	})
}

func TestPrintable(t *testing.T) {
	for stored, want := range map[string]bool{
		`{"lines":["Storgata 1"],"postalCode":"0155","postalArea":"OSLO"}`: true,
		`{"lines":[" "],"postalCode":"0155","postalArea":"OSLO"}`:          false,
		`{"lines":["Storgata 1"],"postalArea":"OSLO"}`:                     false,
		`{"lines":["Storgata 1"],"postalCode":"0155"}`:                     false,
		`{"postalCode":"0155","postalArea":"OSLO"}`:                        false,
		`not json`: false,
		``:         false,
	} {
		if got := printable(stored); got != want {
			t.Errorf("printable(%s) = %v, want %v", stored, got, want)
		}
	}
}
