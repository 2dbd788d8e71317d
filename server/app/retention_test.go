package app_test

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/svarsign/svarsign/ent/event"
	"github.com/svarsign/svarsign/ent/org"
	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/admin"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/database/databasetest"
)

// purge is the kind of the periodic purge (housekeeping.PurgeArgs).
const purge = "purge_expired"

// TestEventRetention: events older than the retention are deleted, except
// those a webhook has not delivered yet; WatchEvents then refuses a cursor
// from before the deleted ones instead of skipping them silently.
func TestEventRetention(t *testing.T) {
	t.Parallel()
	clock := st.NewClock(time.Now())
	srv := st.Start(t, func(c *app.Config) {
		c.Clock = clock.Now
		c.EventRetention = time.Hour
		c.PurgeInterval = 100 * time.Millisecond
		c.WebhookInterval = 100 * time.Millisecond
		c.ReadDeadline = 1000 * time.Hour // no printing in this test
	})
	ctx := databasetest.Context(t)
	db := srv.App.DB().Ent
	tokenA := srv.Org(t, st.OrgNumber(0), "Med webhook")
	tokenB := srv.Org(t, st.OrgNumber(1), "Uten webhook")
	rc := &receiver{t: t}
	rc.down.Store(true)
	hook := httptest.NewServer(rc)
	t.Cleanup(hook.Close)
	secret, err := admin.CreateWebhook(ctx, db, st.OrgNumber(0), hook.URL)
	if err != nil {
		t.Fatal(err)
	}
	rc.secret.Store(secret)

	a, b := srv.Shipments(tokenA, st.GRPC), srv.Shipments(tokenB, st.GRPC)
	bw := watch(t, b, "")
	srv.WaitStatus(t, a, sendLetter(t, a, 0), svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED)
	idB := sendLetter(t, b, 1)
	old := bw.until(t, is(idB, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED))
	bw.cancel()

	count := func(number string) int {
		o := db.Org.Query().Where(org.Number(number)).OnlyX(ctx)
		return db.Event.Query().Where(event.OrgID(o.ID)).CountX(ctx)
	}
	clock.Advance(2 * time.Hour)
	aged := time.Now()
	srv.Await(t, func() error {
		if n := count(st.OrgNumber(1)); n != 0 {
			return fmt.Errorf("B's old events are still there: %d", n)
		}
		return nil
	})
	// A purge that started once the events were old has run, and left A's.
	srv.WaitJob(t, purge, aged)
	if n := count(st.OrgNumber(0)); n != 3 {
		t.Fatalf("A's undelivered events: %d left, want all 3 kept for the webhook", n)
	}

	// A cursor from before the deleted events cannot resume; a fresh watch can.
	stream, err := b.WatchEvents(ctx, connect.NewRequest(&svarsignv1.WatchEventsRequest{Cursor: old[0].GetCursor()}))
	if err == nil {
		for stream.Receive() {
		}
		err = stream.Err()
	}
	if st.Code(err) != connect.CodeFailedPrecondition {
		t.Fatalf("resuming from a purged cursor: %v, want FailedPrecondition", err)
	}
	// Back to the present: events are stamped by the real clock, and new
	// ones must not look two hours old to the purge.
	clock.Advance(-2 * time.Hour)
	fresh := watch(t, b, "")
	again := sendLetter(t, b, 2)
	fresh.until(t, is(again, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED))

	// Once delivered, A's old events may go too.
	clock.Advance(2 * time.Hour)
	rc.down.Store(false)
	srv.Await(t, func() error {
		if n := count(st.OrgNumber(0)); n != 0 {
			return fmt.Errorf("A's delivered events were kept: %d (receiver got %d)", n, len(rc.received()))
		}
		return nil
	})
	if got := len(rc.received()); got != 3 {
		t.Fatalf("the webhook got %d events, want the 3 kept for it", got)
	}
}
