package app_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/gen/go/svarsign/v1/svarsignv1connect"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/database/databasetest"
)

// watcher collects one WatchEvents stream in the background.
type watcher struct {
	events chan *svarsignv1.WatchEventsResponse
	done   chan error
	cancel context.CancelFunc
}

func watch(t *testing.T, c svarsignv1connect.ShipmentServiceClient, cursor string) *watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stream, err := c.WatchEvents(ctx, connect.NewRequest(&svarsignv1.WatchEventsRequest{Cursor: cursor}))
	if err != nil {
		cancel()
		t.Fatalf("WatchEvents: %v", err)
	}
	w := &watcher{events: make(chan *svarsignv1.WatchEventsResponse, 10000), done: make(chan error, 1), cancel: cancel}
	go func() {
		for stream.Receive() {
			w.events <- stream.Msg()
		}
		w.done <- stream.Err()
		stream.Close()
	}()
	t.Cleanup(cancel)
	return w
}

// until receives events until stop accepts one, failing after 15 s.
func (w *watcher) until(t *testing.T, stop func(*svarsignv1.WatchEventsResponse) bool) []*svarsignv1.WatchEventsResponse {
	t.Helper()
	var got []*svarsignv1.WatchEventsResponse
	timeout := time.After(15 * time.Second)
	for {
		select {
		case e := <-w.events:
			got = append(got, e)
			if stop(e) {
				return got
			}
		case err := <-w.done:
			t.Fatalf("stream ended early: %v (after %d events)", err, len(got))
		case <-timeout:
			t.Fatalf("timed out; got %d events: %v", len(got), got)
		}
	}
}

// next receives the next event and fails unless stop accepts it. The test
// causes that event after everything it expected, so the stream's order
// makes it a fence: any event that should not have come arrives before it.
func (w *watcher) next(t *testing.T, stop func(*svarsignv1.WatchEventsResponse) bool) *svarsignv1.WatchEventsResponse {
	t.Helper()
	got := w.until(t, stop)
	if len(got) != 1 {
		t.Fatalf("unexpected events before %v: %v", got[len(got)-1], got[:len(got)-1])
	}
	return got[0]
}

func is(id string, status svarsignv1.ShipmentStatus) func(*svarsignv1.WatchEventsResponse) bool {
	return func(e *svarsignv1.WatchEventsResponse) bool {
		return e.GetShipmentId() == id && e.GetStatus() == status
	}
}

func of(evs []*svarsignv1.WatchEventsResponse, id string) []*svarsignv1.WatchEventsResponse {
	var out []*svarsignv1.WatchEventsResponse
	for _, e := range evs {
		if e.GetShipmentId() == id {
			out = append(out, e)
		}
	}
	return out
}

func sendLetter(t *testing.T, c svarsignv1connect.ShipmentServiceClient, n int) string {
	t.Helper()
	return sendOK(t, c, &svarsignv1.SendShipmentRequest{
		Title:     "Vedtak",
		Recipient: personRecipient(n),
		Documents: []*svarsignv1.DocumentSpec{{FileName: "vedtak.txt", MimeType: "text/plain", Content: []byte("innvilget")}},
	}).GetId()
}

// TestWatchEvents follows an organisation's events over gRPC and Connect:
// a letter's lifecycle, a signing order through signature and return, a
// disconnect and resume from the last cursor, and isolation between
// organisations.
func TestWatchEvents(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	for i, p := range []st.Protocol{st.GRPC, st.Connect} {
		t.Run(string(p), func(t *testing.T) {
			testWatchEvents(t, srv, p, st.OrgNumber(10+2*i), st.OrgNumber(11+2*i))
		})
	}
}

// TestWatchEventsPostgres runs the same on PostgreSQL, where ids can commit
// out of order and the stream must not skip them.
func TestWatchEventsPostgres(t *testing.T) {
	t.Parallel()
	dsn := databasetest.PostgresDSN(t)
	srv := st.Start(t, func(c *app.Config) { c.DatabaseURL = dsn })
	testWatchEvents(t, srv, st.GRPC, st.OrgNumber(20), st.OrgNumber(21))
}

func testWatchEvents(t *testing.T, srv *st.Server, p st.Protocol, orgA, orgB string) {
	ctx := context.Background()
	tokenA := srv.Org(t, orgA, "Kommune A")
	tokenB := srv.Org(t, orgB, "Kommune B")
	a, b := srv.Shipments(tokenA, p), srv.Shipments(tokenB, p)

	// Both organisations are new, so an empty cursor starts at their
	// first event and nothing below can be missed by a slow subscription.
	ref := watch(t, a, "") // never disconnected: the reference
	w1 := watch(t, a, "")
	other := watch(t, b, "")

	letter := sendLetter(t, a, 1)
	got := w1.until(t, is(letter, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED))
	var statuses []svarsignv1.ShipmentStatus
	for _, e := range got {
		if e.GetShipmentId() != letter {
			t.Errorf("event of another shipment: %v", e)
		}
		if e.GetSigningStatus() != svarsignv1.SigningStatus_SIGNING_STATUS_UNSPECIFIED || e.GetText() == "" || e.GetTime() == nil || e.GetCursor() == "" {
			t.Errorf("event %v: want no signing status, a text, a time and a cursor", e)
		}
		statuses = append(statuses, e.GetStatus())
	}
	want := []svarsignv1.ShipmentStatus{svarsignv1.ShipmentStatus_SHIPMENT_STATUS_RECEIVED, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_ACCEPTED, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED}
	if !slices.Equal(statuses, want) {
		t.Fatalf("letter statuses %v, want %v", statuses, want)
	}

	order, _ := sendForSigning(t, srv, tokenA, 0, svarsignv1.SignatureType_SIGNATURE_TYPE_AUTHENTICATED, false)
	got = w1.until(t, is(order, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED))
	if !slices.ContainsFunc(of(got, order), func(e *svarsignv1.WatchEventsResponse) bool {
		return e.GetSigningStatus() == svarsignv1.SigningStatus_SIGNING_STATUS_WAITING && strings.HasPrefix(e.GetText(), "Signing order registered")
	}) {
		t.Errorf("no WAITING registration event among %v", got)
	}
	if _, err := srv.App.Signer().Sign(ctx, uuid.MustParse(order), signerOf(0, 3), "job-"+order); err != nil {
		t.Fatal(err)
	}
	got = w1.until(t, func(e *svarsignv1.WatchEventsResponse) bool {
		return e.GetShipmentId() == order && strings.HasPrefix(e.GetText(), "Completed")
	})
	signed := of(got, order)
	if !slices.ContainsFunc(signed, func(e *svarsignv1.WatchEventsResponse) bool {
		return e.GetSigningStatus() == svarsignv1.SigningStatus_SIGNING_STATUS_SIGNED && !strings.HasPrefix(e.GetText(), "Completed")
	}) || signed[len(signed)-1].GetSigningStatus() != svarsignv1.SigningStatus_SIGNING_STATUS_SIGNED {
		t.Errorf("signing events %v: want SIGNED, then the completion", signed)
	}

	// Disconnect, change things, resume from the last cursor seen.
	cursor := got[len(got)-1].GetCursor()
	w1.cancel()
	if err := <-w1.done; st.Code(err) != connect.CodeCanceled {
		t.Errorf("cancelled stream ended with %v", err)
	}
	if _, err := a.MarkRead(ctx, connect.NewRequest(&svarsignv1.MarkReadRequest{Id: letter})); err != nil {
		t.Fatal(err)
	}
	later := sendLetter(t, a, 2)
	srv.WaitStatus(t, a, later, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED)
	w2 := watch(t, a, cursor)
	resumed := w2.until(t, is(later, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED))
	all := ref.until(t, is(later, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED))
	// Nothing more comes on either stream: the next event is the later
	// letter marked read.
	if _, err := a.MarkRead(ctx, connect.NewRequest(&svarsignv1.MarkReadRequest{Id: later})); err != nil {
		t.Fatal(err)
	}
	w2.next(t, is(later, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READ))
	ref.next(t, is(later, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READ))
	var missed []*svarsignv1.WatchEventsResponse
	for i, e := range all {
		if e.GetCursor() == cursor {
			missed = all[i+1:]
		}
	}
	if len(missed) < 4 || len(resumed) != len(missed) {
		t.Fatalf("resumed with %d events, the reference stream has %d after the cursor", len(resumed), len(missed))
	}
	for i := range missed {
		if resumed[i].String() != missed[i].String() {
			t.Errorf("resumed event %d = %v, want %v", i, resumed[i], missed[i])
		}
	}
	if !is(letter, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READ)(resumed[0]) {
		t.Errorf("first event after the cursor = %v, want the letter READ", resumed[0])
	}
	seen := map[string]bool{}
	for _, e := range all {
		if seen[e.GetCursor()] {
			t.Errorf("cursor %s twice", e.GetCursor())
		}
		seen[e.GetCursor()] = true
	}

	// Organisation B saw nothing of A's, and sees its own: every event up
	// to its own letter's delivery, all of A's included, would have come
	// before that.
	own := sendLetter(t, b, 3)
	for _, e := range other.until(t, is(own, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED)) {
		if e.GetShipmentId() != own {
			t.Errorf("organisation B got %v", e)
		}
	}

	// A cursor that does not parse.
	bad := watch(t, a, "not-a-cursor")
	err := <-bad.done
	if st.Code(err) != connect.CodeInvalidArgument || !hasFieldViolation(err, "cursor") {
		t.Fatalf("invalid cursor: %v, want InvalidArgument on cursor", err)
	}
}

func hasFieldViolation(err error, field string) bool {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return false
	}
	for _, d := range ce.Details() {
		v, derr := d.Value()
		if br, ok := v.(*errdetails.BadRequest); ok && derr == nil {
			for _, fv := range br.GetFieldViolations() {
				if fv.GetField() == field {
					return true
				}
			}
		}
	}
	return false
}
