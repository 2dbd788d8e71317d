package events

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/svarsign/svarsign/ent/event"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/database/databasetest"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/tenant"
)

func TestCursorRoundTrip(t *testing.T) {
	for _, id := range []int{0, 1, 42, 1 << 40} {
		got, err := ParseCursor(Cursor(id))
		if err != nil || got != id {
			t.Errorf("ParseCursor(Cursor(%d)) = %d, %v", id, got, err)
		}
	}
	for _, bad := range []string{"x", "42", Cursor(1) + "=", "ZXYxOi0x" /* ev1:-1 */, "ZXYxOjAx" /* ev1:01 */} {
		if _, err := ParseCursor(bad); err == nil {
			t.Errorf("ParseCursor(%q) succeeded", bad)
		}
	}
}

// TestFirstUnsettled: a missing id holds back what follows it until it has
// been missing for settleTime (a rolled-back transaction on PostgreSQL).
func TestFirstUnsettled(t *testing.T) {
	now := time.Unix(1000, 0)
	o := &outbox{now: func() time.Time { return now }, missing: map[int]time.Time{}}
	const none = int(^uint(0) >> 1)
	if got := o.firstUnsettled(10, []int{11, 12, 13}); got != none {
		t.Errorf("no gap: %d", got)
	}
	if got := o.firstUnsettled(10, []int{11, 13, 15}); got != 12 {
		t.Errorf("gaps 12, 14: first unsettled %d, want 12", got)
	}
	now = now.Add(settleTime / 2)
	if got := o.firstUnsettled(10, []int{11, 12, 13, 15}); got != 14 {
		t.Errorf("12 arrived: first unsettled %d, want 14", got)
	}
	now = now.Add(settleTime)
	if got := o.firstUnsettled(10, []int{11, 12, 13, 15, 17}); got != 16 {
		t.Errorf("14 long missing: first unsettled %d, want 16 (new)", got)
	}
}

// TestNextInterleavedOrganisations: an organisation's read of the outbox,
// in its own tenant scope, is not held back by the ids of another's events
// between its own (they are settled, just not its to see).
func TestNextInterleavedOrganisations(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		sys := databasetest.Context(t)
		var orgs [2]int
		for i := range orgs {
			o, err := db.Ent.Org.Create().SetNumber(fmt.Sprintf("%09d", rand.N(1_000_000_000))).SetName("Org").Save(sys)
			if err != nil {
				t.Fatal(err)
			}
			orgs[i] = o.ID
		}
		for i := range 6 {
			err := db.InTx(sys, func(ctx context.Context, tx *database.Tx) error {
				return tx.AppendEvent(ctx, database.Event{OrgID: orgs[i%2], ShipmentID: uuid.New(), Time: time.Now(),
					ShipmentStatus: domain.StatusReceived, Text: fmt.Sprint(i)})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		o := newOutbox(db)
		a := tenant.With(t.Context(), tenant.Org(orgs[0]))
		evs, err := o.next(a, orgs[0], 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 3 {
			t.Fatalf("organisation A read %d of its 3 events at once", len(evs))
		}
		last, err := o.last(a)
		if err != nil || last != evs[2].ID+1 {
			t.Errorf("last = %d, %v; want the newest id of any organisation, %d", last, err, evs[2].ID+1)
		}
	})
}

// TestLastPastPurge: a watch without a cursor starts after the highest
// purge point, so purged ids above the newest event left are not waited
// out as transactions in flight.
func TestLastPastPurge(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *database.DB) {
		sys := databasetest.Context(t)
		o, err := db.Ent.Org.Create().SetNumber(fmt.Sprintf("%09d", rand.N(1_000_000_000))).SetName("Org").Save(sys)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			err := db.InTx(sys, func(ctx context.Context, tx *database.Tx) error {
				return tx.AppendEvent(ctx, database.Event{OrgID: o.ID, ShipmentID: uuid.New(), Time: time.Now(),
					ShipmentStatus: domain.StatusReceived, Text: fmt.Sprint(i)})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		ids, err := db.Ent.Event.Query().IDs(sys)
		if err != nil || len(ids) != 4 {
			t.Fatalf("ids = %v, %v", ids, err)
		}
		// Retention deleted the two newest (as if they were another
		// organisation's, older by its own rules) and recorded the point.
		newest := slices.Max(ids)
		if _, err := db.Ent.Event.Delete().Where(event.IDGT(newest - 2)).Exec(sys); err != nil {
			t.Fatal(err)
		}
		if err := db.Ent.Org.UpdateOne(o).SetEventsPurgedThrough(newest).Exec(sys); err != nil {
			t.Fatal(err)
		}
		last, err := newOutbox(db).last(tenant.With(t.Context(), tenant.Org(o.ID)))
		if err != nil || last != newest {
			t.Errorf("last = %d, %v; want the purge point %d", last, err, newest)
		}
	})
}
