package database_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/schema"
	"github.com/svarsign/svarsign/ent/shipment"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/database/databasetest"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/tenant"
)

// tenantWorld is two organisations, each with a letter to one citizen (the
// same one) and a signing order on it, written in the system's scope.
type tenantWorld struct {
	orgA, orgB int
	a, b       *ent.Shipment
}

const citizen = "01017012345"

func newTenantWorld(ctx context.Context, t *testing.T, db *database.DB) tenantWorld {
	t.Helper()
	var w tenantWorld
	for i, sh := range []**ent.Shipment{&w.a, &w.b} {
		s := createShipment(ctx, t, db.Ent)
		s = db.Ent.Shipment.UpdateOne(s).SetRecipientKind(shipment.RecipientKindPERSON).SetRecipientID(citizen).SaveX(ctx)
		doc := db.Ent.Document.Create().SetShipmentID(s.ID).SetFileName("a.pdf").SetFileNameKey("a.pdf").
			SetMimeType("application/pdf").SetSize(1).SetSha256("x").SetBlobKey("k").SaveX(ctx)
		db.Ent.SigningOrder.Create().SetShipmentID(s.ID).SetOrgID(s.OrgID).SetDocumentID(doc.ID).
			SetFileName("a.pdf").SetSignatureType(domain.SignatureAdvanced).SetDeadline(s.CreatedAt).
			SetStatus(domain.SigningWaiting).SetReplyTo("1").SetSignerID(citizen).ExecX(ctx)
		if err := db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
			_, err := tx.RecordNote(ctx, s.ID, "Received")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		*sh = s
		if i == 0 {
			w.orgA = s.OrgID
		} else {
			w.orgB = s.OrgID
		}
	}
	return w
}

// counts is how many rows of each tenant-owned kind ctx can see.
func counts(ctx context.Context, t *testing.T, c *ent.Client) [6]int {
	t.Helper()
	return [6]int{
		c.Shipment.Query().CountX(ctx), c.Document.Query().CountX(ctx), c.SigningOrder.Query().CountX(ctx),
		c.ShipmentEvent.Query().CountX(ctx), c.Event.Query().CountX(ctx), c.APIKey.Query().CountX(ctx),
	}
}

// TestQueryWithoutScopeReturnsNothing is the guarantee that replaces
// per-query filters: code that forgets to say on whose behalf it asks gets
// nothing back and can change nothing.
func TestQueryWithoutScopeReturnsNothing(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		sys := databasetest.Context(t)
		w := newTenantWorld(sys, t, db)
		if got := counts(sys, t, db.Ent); got != [6]int{2, 2, 2, 2, 2, 0} {
			t.Fatalf("system sees %v", got)
		}
		none := t.Context()
		if got := counts(none, t, db.Ent); got != [6]int{} {
			t.Errorf("a context without a scope sees %v, want nothing", got)
		}
		if _, err := db.Ent.Shipment.Get(none, w.a.ID); !ent.IsNotFound(err) {
			t.Errorf("Get without a scope: %v, want not found", err)
		}
		// Edges are filtered too: a loaded row does not open a way in.
		if n := w.a.QueryDocuments().CountX(none); n != 0 {
			t.Errorf("documents through an edge without a scope: %d", n)
		}
		if err := db.Ent.Shipment.UpdateOneID(w.a.ID).SetTitle("x").Exec(none); !errors.Is(err, schema.ErrNoScope) {
			t.Errorf("update without a scope: %v, want ErrNoScope", err)
		}
		if err := db.Ent.Shipment.Create().SetOrgID(w.orgA).SetStatus(domain.StatusDraft).Exec(none); !errors.Is(err, schema.ErrNoScope) {
			t.Errorf("create without a scope: %v, want ErrNoScope", err)
		}
		if _, err := db.Ent.Document.Delete().Exec(none); !errors.Is(err, schema.ErrNoScope) {
			t.Errorf("delete without a scope: %v, want ErrNoScope", err)
		}
		if got := counts(sys, t, db.Ent); got != [6]int{2, 2, 2, 2, 2, 0} {
			t.Errorf("after the refused writes the system sees %v", got)
		}
	})
}

func TestOrganisationScope(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		sys := databasetest.Context(t)
		w := newTenantWorld(sys, t, db)
		a := tenant.With(t.Context(), tenant.Org(w.orgA))
		if got := counts(a, t, db.Ent); got != [6]int{1, 1, 1, 1, 1, 0} {
			t.Errorf("organisation A sees %v, want one of each", got)
		}
		if _, err := db.Ent.Shipment.Get(a, w.b.ID); !ent.IsNotFound(err) {
			t.Errorf("A gets B's shipment: %v", err)
		}
		if err := db.Ent.Shipment.UpdateOneID(w.b.ID).SetTitle("taken").Exec(a); !ent.IsNotFound(err) {
			t.Errorf("A updates B's shipment: %v, want not found", err)
		}
		if n, err := db.Ent.Document.Delete().Exec(a); err != nil || n != 1 {
			t.Errorf("A deletes all documents: %d, %v; want only its own one", n, err)
		}
		if err := db.Ent.Shipment.Create().SetOrgID(w.orgB).SetStatus(domain.StatusDraft).Exec(a); err == nil {
			t.Error("A created a shipment for B")
		}
		err := db.Ent.Document.Create().SetShipmentID(w.b.ID).SetFileName("b.pdf").SetFileNameKey("b.pdf").
			SetMimeType("application/pdf").SetSize(1).SetSha256("x").SetBlobKey("k").Exec(a)
		if err == nil {
			t.Error("A added a document to B's shipment")
		}
		if got := db.Ent.Shipment.GetX(sys, w.b.ID).Title; got == "taken" {
			t.Error("B's title changed")
		}
		if n := db.Ent.Document.Query().CountX(sys); n != 1 {
			t.Errorf("%d documents left, want B's one", n)
		}
		// An ID chosen by the caller cannot reach another's row either.
		if _, err := db.Ent.SigningOrder.Query().Where().Only(a); err != nil {
			t.Errorf("A's own signing order: %v", err)
		}
		if _, err := db.Ent.Shipment.Get(a, uuid.New()); !ent.IsNotFound(err) {
			t.Errorf("missing id: %v", err)
		}
	})
}

func TestCitizenScope(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		sys := databasetest.Context(t)
		w := newTenantWorld(sys, t, db)
		// A third letter, to someone else.
		other := createShipment(sys, t, db.Ent)
		db.Ent.Shipment.UpdateOne(other).SetRecipientKind(shipment.RecipientKindPERSON).SetRecipientID("02027012345").ExecX(sys)

		me := tenant.With(t.Context(), tenant.Citizen(citizen))
		if got := counts(me, t, db.Ent); got != [6]int{2, 2, 2, 0, 0, 0} {
			t.Errorf("the citizen sees %v, want both letters with their documents and orders, and no history or keys", got)
		}
		if _, err := db.Ent.Shipment.Get(me, other.ID); !ent.IsNotFound(err) {
			t.Errorf("the citizen gets another person's letter: %v", err)
		}
		if err := db.Ent.Shipment.UpdateOneID(w.a.ID).SetTitle("x").Exec(me); !errors.Is(err, schema.ErrNoScope) {
			t.Errorf("the citizen writes a shipment: %v, want ErrNoScope", err)
		}
	})
}
