package app_test

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/admin"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/events"
)

// receiver is a webhook endpoint that checks signatures, as an integrator's
// would, and records what it accepted.
type receiver struct {
	t      *testing.T
	secret atomic.Value // string, set once the webhook is registered
	down   atomic.Bool  // answer 503 while set
	failed atomic.Int32 // requests refused while down

	mu       sync.Mutex
	payloads []events.Payload
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	ts, err := strconv.ParseInt(r.Header.Get(events.HeaderTimestamp), 10, 64)
	secret, _ := rc.secret.Load().(string)
	if err != nil || secret == "" || !hmac.Equal([]byte(r.Header.Get(events.HeaderSignature)), []byte(events.Sign(secret, ts, body))) {
		rc.t.Errorf("delivery with a bad signature: %v", r.Header)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if d := time.Since(time.Unix(ts, 0)); d > time.Minute || d < -time.Minute {
		rc.t.Errorf("timestamp %d is %v off", ts, d)
	}
	if rc.down.Load() {
		rc.failed.Add(1)
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	var p events.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		rc.t.Errorf("body %s: %v", body, err)
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	if r.Header.Get(events.HeaderEventID) != strconv.Itoa(p.EventID) {
		rc.t.Errorf("%s header %q for event %d", events.HeaderEventID, r.Header.Get(events.HeaderEventID), p.EventID)
	}
	rc.mu.Lock()
	rc.payloads = append(rc.payloads, p)
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) received() []events.Payload {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.payloads)
}

// webhookSetup starts svarsign with quick webhook ticks, an organisation, a
// receiver registered as its webhook, and a reference WatchEvents stream.
func webhookSetup(t *testing.T) (*st.Server, string, *receiver, *watcher) {
	srv := st.Start(t, func(c *app.Config) { c.WebhookInterval = 100 * time.Millisecond; c.SimulatedLogin = true })
	org := st.OrgNumber(30)
	token := srv.Org(t, org, "Kommune")
	rc := &receiver{t: t}
	ts := httptest.NewServer(rc)
	t.Cleanup(ts.Close)
	secret, err := admin.CreateWebhook(context.Background(), srv.App.DB().Ent, org, ts.URL+"/hook")
	if err != nil {
		t.Fatal(err)
	}
	rc.secret.Store(secret)
	return srv, token, rc, watch(t, srv.Shipments(token, st.GRPC), "")
}

// drive sends a letter and a signing order, signs it, and returns every
// event the organisation's stream saw, up to the completion.
func drive(t *testing.T, srv *st.Server, token string, ref *watcher) []*svarsignv1.WatchEventsResponse {
	c := srv.Shipments(token, st.GRPC)
	letter := sendLetter(t, c, 1)
	order, _ := sendForSigning(t, srv, token, 0, svarsignv1.SignatureType_SIGNATURE_TYPE_AUTHENTICATED, false)
	srv.WaitStatus(t, c, letter, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED)
	srv.WaitStatus(t, c, order, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED)
	if _, err := srv.App.Signer().Sign(context.Background(), uuid.MustParse(order), signerOf(0, 3), "job"); err != nil {
		t.Fatal(err)
	}
	all := ref.until(t, func(e *svarsignv1.WatchEventsResponse) bool {
		return e.GetShipmentId() == order && e.GetSigningStatus() == svarsignv1.SigningStatus_SIGNING_STATUS_SIGNED &&
			strings.HasPrefix(e.GetText(), "Completed")
	})
	// Nothing else comes after the completion: the letter marked read is
	// the next event.
	if _, err := c.MarkRead(context.Background(), connect.NewRequest(&svarsignv1.MarkReadRequest{Id: letter})); err != nil {
		t.Fatal(err)
	}
	return append(all, ref.next(t, is(letter, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READ)))
}

// webhookTick is the kind of the job that enqueues deliveries
// (events.WebhookTickArgs).
const webhookTick = "enqueue_webhook_deliveries"

// checkDelivered waits until the receiver holds the stream's events, and
// until the deliverer has looked again and finished every delivery it
// started, then checks that the receiver holds exactly those events, in
// the same order, each once.
func checkDelivered(t *testing.T, srv *st.Server, rc *receiver, want []*svarsignv1.WatchEventsResponse) {
	t.Helper()
	srv.Await(t, func() error {
		if n := len(rc.received()); n < len(want) {
			return fmt.Errorf("receiver got %d events, the stream %d", n, len(want))
		}
		return nil
	})
	// Nothing more may come: a tick that started after the last delivery
	// found nothing to send, or its delivery has finished too.
	srv.WaitJob(t, webhookTick, time.Now())
	srv.Await(t, func() error {
		var open int
		if err := srv.App.DB().SQL.QueryRowContext(t.Context(), "SELECT count(*) FROM river_job WHERE kind = 'deliver_webhook' AND state NOT IN ('completed', 'discarded', 'cancelled')").Scan(&open); err != nil {
			t.Fatal(err)
		}
		if open != 0 {
			return fmt.Errorf("%d webhook deliveries still unfinished", open)
		}
		return nil
	})
	got := rc.received()
	if len(got) != len(want) {
		t.Fatalf("receiver got %d events, the stream %d", len(got), len(want))
	}
	for i, p := range got {
		w := want[i]
		if p.Cursor != w.GetCursor() || p.ShipmentID != w.GetShipmentId() || p.Text != w.GetText() ||
			"SHIPMENT_STATUS_"+p.ShipmentStatus != w.GetStatus().String() || !p.Time.Equal(w.GetTime().AsTime()) {
			t.Errorf("delivery %d = %+v, want %v", i, p, w)
		}
		if i > 0 && p.EventID <= got[i-1].EventID {
			t.Errorf("event %d delivered after %d", p.EventID, got[i-1].EventID)
		}
	}
}

// TestWebhookDelivery: every event of a send → sign → return flow reaches
// the receiver signed, in order, once.
func TestWebhookDelivery(t *testing.T) {
	t.Parallel()
	srv, token, rc, ref := webhookSetup(t)
	checkDelivered(t, srv, rc, drive(t, srv, token, ref))
}

// TestWebhookReceiverDown: while the receiver answers 503 nothing counts as
// delivered; once it is back, everything arrives, in order, none twice.
func TestWebhookReceiverDown(t *testing.T) {
	t.Parallel()
	srv, token, rc, ref := webhookSetup(t)
	rc.down.Store(true)
	all := drive(t, srv, token, ref)
	srv.Await(t, func() error {
		if n := rc.failed.Load(); n < 5 {
			return fmt.Errorf("only %d attempts while down", n)
		}
		return nil
	})
	if n := len(rc.received()); n != 0 {
		t.Fatalf("%d events accepted while down", n)
	}
	rc.down.Store(false)
	checkDelivered(t, srv, rc, all)
	t.Logf("%d deliveries refused while down, then %d events delivered", rc.failed.Load(), len(all))
}
