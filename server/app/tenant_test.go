package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/gen/go/svarsign/v1/svarsignv1connect"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/database/databasetest"
	"github.com/svarsign/svarsign/server/domain"
)

// downloadAll downloads a whole document and returns the error the stream
// ended with (nil on success).
func downloadAll(ctx context.Context, c svarsignv1connect.ShipmentServiceClient, shipmentID, docID string) ([]byte, error) {
	stream, err := c.DownloadDocument(ctx, connect.NewRequest(&svarsignv1.DownloadDocumentRequest{ShipmentId: shipmentID, DocumentId: docID}))
	if err != nil {
		return nil, err
	}
	defer stream.Close()
	var body []byte
	for stream.Receive() {
		body = append(body, stream.Msg().GetChunk()...)
	}
	return body, stream.Err()
}

func countHistory(t *testing.T, c svarsignv1connect.ShipmentServiceClient, id string) int {
	t.Helper()
	h, err := c.GetHistory(context.Background(), connect.NewRequest(&svarsignv1.GetHistoryRequest{Id: id}))
	if err != nil {
		t.Fatalf("GetHistory %s: %v", id, err)
	}
	return len(h.Msg.GetEvents())
}

// TestTenantIsolation: organisation B, with its own key, cannot see or touch
// anything of organisation A's, and every attempt answers NotFound exactly as
// for an id that does not exist.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	srv := startTrackedServer(t)
	ctx := context.Background()
	tokenA := srv.Org(t, st.OrgNumber(0), "Kommune A")
	tokenB := srv.Org(t, st.OrgNumber(1), "Kommune B")
	a := srv.Shipments(tokenA, st.Connect)

	// A sends a shipment with an uploaded and an inline document, and
	// reserves a second id it has not sent yet.
	sentID := reserveShipment(t, a)
	attachment := []byte("vedlegg fra kommune A")
	if _, err := uploadBytes(ctx, a, &svarsignv1.UploadDocumentHeader{ShipmentId: sentID, FileName: "vedlegg.txt", MimeType: "text/plain"}, attachment); err != nil {
		t.Fatal(err)
	}
	req := validSendRequest()
	req.ShipmentId = sentID
	req.ExternalRef = "ref-A"
	req.Documents = append(req.Documents, &svarsignv1.DocumentSpec{FileName: "vedlegg.txt"})
	send, err := a.SendShipment(ctx, connect.NewRequest(req))
	if err != nil {
		t.Fatal(err)
	}
	docs := send.Msg.GetShipment().GetDocuments()
	if len(docs) != 2 {
		t.Fatalf("A's shipment has %d documents", len(docs))
	}
	draftID := reserveShipment(t, a)
	orig := srv.WaitStatus(t, a, sentID, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED)
	origHistory := countHistory(t, a, sentID)
	if origHistory != 3 {
		t.Fatalf("A's history has %d events, want 3 (RECEIVED, ACCEPTED, NOTIFIED)", origHistory)
	}

	// B has a shipment of its own, so "nothing of A's" is not just "nothing".
	bOwn := validSendRequest()
	bOwn.ExternalRef = "ref-B"
	bSend, err := srv.Shipments(tokenB, st.Connect).SendShipment(ctx, connect.NewRequest(bOwn))
	if err != nil {
		t.Fatal(err)
	}
	bID := bSend.Msg.GetShipment().GetId()
	storedBefore := srv.stored(t)

	unknown := uuid.NewString()
	for _, p := range allProtocols {
		t.Run(string(p), func(t *testing.T) {
			b := srv.Shipments(tokenB, p)
			notFound := func(what string, err error) {
				t.Helper()
				if st.Code(err) != connect.CodeNotFound {
					t.Errorf("B %s: %v, want NotFound", what, err)
				}
			}
			for _, id := range []string{sentID, draftID, unknown} {
				_, err := b.GetShipment(ctx, connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: id}))
				notFound("GetShipment "+id, err)
				_, err = b.GetHistory(ctx, connect.NewRequest(&svarsignv1.GetHistoryRequest{Id: id}))
				notFound("GetHistory "+id, err)
				_, err = b.MarkRead(ctx, connect.NewRequest(&svarsignv1.MarkReadRequest{Id: id}))
				notFound("MarkRead "+id, err)
			}
			for _, d := range docs {
				body, err := downloadAll(ctx, b, sentID, d.GetId())
				notFound("DownloadDocument "+d.GetFileName(), err)
				if len(body) != 0 {
					t.Errorf("B downloaded %d bytes of A's %s", len(body), d.GetFileName())
				}
				// A's document under B's own shipment id.
				_, err = downloadAll(ctx, b, bID, d.GetId())
				notFound("DownloadDocument via own shipment id", err)
			}
			for _, id := range []string{draftID, sentID} {
				_, err := uploadBytes(ctx, b, &svarsignv1.UploadDocumentHeader{ShipmentId: id, FileName: "inntrenger.txt", MimeType: "text/plain"}, []byte("fra B"))
				notFound("UploadDocument into "+id, err)
				breq := validSendRequest()
				breq.ShipmentId = id
				breq.Title = "Kapret"
				_, err = b.SendShipment(ctx, connect.NewRequest(breq))
				notFound("SendShipment with shipment_id "+id, err)
			}

			list, err := b.ListShipments(ctx, connect.NewRequest(&svarsignv1.ListShipmentsRequest{}))
			if err != nil {
				t.Fatal(err)
			}
			if s := list.Msg.GetShipments(); len(s) != 1 || s[0].GetId() != bID {
				t.Errorf("B's ListShipments = %d shipments, want only B's own %s", len(s), bID)
			}
			for _, f := range []*svarsignv1.ListShipmentsRequest{
				{ExternalRef: "ref-A"}, {Recipient: st.Person(0), ExternalRef: "ref-A"},
				{Direction: svarsignv1.Direction_DIRECTION_INCOMING},
			} {
				l, err := b.ListShipments(ctx, connect.NewRequest(f))
				if err != nil {
					t.Fatal(err)
				}
				if n := len(l.Msg.GetShipments()); n != 0 {
					t.Errorf("B's ListShipments(%v) = %d shipments, want 0", f, n)
				}
			}
			found, err := b.FindByExternalRef(ctx, connect.NewRequest(&svarsignv1.FindByExternalRefRequest{ExternalRef: "ref-A"}))
			if err != nil {
				t.Fatal(err)
			}
			if n := len(found.Msg.GetShipments()); n != 0 {
				t.Errorf("B's FindByExternalRef(ref-A) = %d shipments, want 0", n)
			}
			sts, err := b.GetStatuses(ctx, connect.NewRequest(&svarsignv1.GetStatusesRequest{Ids: []string{sentID, draftID, bID}}))
			if err != nil {
				t.Fatal(err)
			}
			if s := sts.Msg.GetStatuses(); len(s) != 1 || s[0].GetId() != bID {
				t.Errorf("B's GetStatuses([A sent, A draft, B]) = %v, want only B's", s)
			}
		})
	}

	// The JSON facade answers 404 the same way.
	for _, path := range []string{"/v1/shipments/" + sentID, "/v1/shipments/" + sentID + "/history", "/v1/shipments/" + sentID + "/documents/" + docs[1].GetId() + "/content"} {
		r, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		r.Header.Set("Authorization", "Bearer "+tokenB)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || strings.Contains(string(body), "vedlegg fra kommune A") {
			t.Errorf("B GET %s: HTTP %d %s, want 404", path, resp.StatusCode, body)
		}
	}

	// A's shipment and draft are as they were; B's attempts stored nothing.
	after, err := a.GetShipment(ctx, connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: sentID}))
	if err != nil {
		t.Fatal(err)
	}
	sh := after.Msg.GetShipment()
	if sh.GetStatus() != orig.GetStatus() || sh.GetTitle() != orig.GetTitle() || len(sh.GetDocuments()) != 2 || sh.GetReadTime() != nil {
		t.Errorf("A's shipment changed: %v, was %v", sh, orig)
	}
	if n := countHistory(t, a, sentID); n != origHistory {
		t.Errorf("A's history has %d events, had %d", n, origHistory)
	}
	body, err := downloadAll(ctx, a, sentID, docs[1].GetId())
	if err != nil || string(body) != string(attachment) {
		t.Errorf("A downloads %q, %v; want its attachment", body, err)
	}
	draft, err := srv.App.DB().Ent.Shipment.Get(databasetest.Context(t), uuid.MustParse(draftID))
	if err != nil {
		t.Fatal(err)
	}
	if draft.Status != domain.StatusDraft || draft.Title != "" {
		t.Errorf("A's reserved id is now %s %q", draft.Status, draft.Title)
	}
	if n, err := srv.App.DB().Ent.Document.Query().Count(databasetest.Context(t)); err != nil || n != 3 {
		t.Errorf("document rows = %d (%v), want A's 2 and B's 1", n, err)
	}
	if got := srv.stored(t); got.Shipments != storedBefore.Shipments || got.Documents != storedBefore.Documents || got.Blobs != storedBefore.Blobs {
		t.Errorf("B's attempts changed storage from %+v to %+v", storedBefore, got)
	}
}

// basicCreds sends HTTP Basic credentials on every call.
type basicCreds struct{ user, pass string }

func (b basicCreds) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.SetBasicAuth(b.user, b.pass)
		req.Header().Set("Authorization", r.Header.Get("Authorization"))
		return next(ctx, req)
	}
}

func (b basicCreds) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (b basicCreds) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

// splitAPIKey splits "svs_<id>.<secret>" into the id and the secret.
func splitAPIKey(t *testing.T, token string) (id, secret string) {
	t.Helper()
	rest, ok := strings.CutPrefix(token, "svs_")
	if !ok {
		t.Fatalf("token %q lacks the svs_ prefix", token)
	}
	id, secret, ok = strings.Cut(rest, ".")
	if !ok || id == "" || secret == "" {
		t.Fatalf("token %q is not svs_<id>.<secret>", token)
	}
	return id, secret
}

// TestAuthentication checks missing and wrong keys, and HTTP Basic.
func TestAuthentication(t *testing.T) {
	t.Parallel()
	srv := startTrackedServer(t)
	ctx := context.Background()
	token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	send, err := srv.Shipments(token, st.Connect).SendShipment(ctx, connect.NewRequest(validSendRequest()))
	if err != nil {
		t.Fatal(err)
	}
	id := send.Msg.GetShipment().GetId()
	keyID, secret := splitAPIKey(t, token)
	wrongSecret := "svs_" + keyID + "." + strings.Repeat("A", len(secret))
	unknownKey := "svs_0000000000000000." + secret

	for _, p := range allProtocols {
		for name, tok := range map[string]string{"no key": "", "wrong secret": wrongSecret, "unknown key id": unknownKey, "not a key": "hemmelig"} {
			c := srv.Shipments(tok, p)
			_, err := c.GetShipment(ctx, connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: id}))
			if st.Code(err) != connect.CodeUnauthenticated {
				t.Errorf("%s, %s: GetShipment: %v, want Unauthenticated", p, name, err)
			}
			_, err = c.SendShipment(ctx, connect.NewRequest(validSendRequest()))
			if st.Code(err) != connect.CodeUnauthenticated {
				t.Errorf("%s, %s: SendShipment: %v, want Unauthenticated", p, name, err)
			}
			_, err = uploadBytes(ctx, c, &svarsignv1.UploadDocumentHeader{ShipmentId: id, FileName: "x.txt", MimeType: "text/plain"}, []byte("x"))
			if st.Code(err) != connect.CodeUnauthenticated {
				t.Errorf("%s, %s: UploadDocument: %v, want Unauthenticated", p, name, err)
			}
		}
	}
	if got := srv.stored(t); got.Shipments != 1 || got.Documents != 1 {
		t.Errorf("unauthenticated calls changed storage: %+v", got)
	}

	// HTTP Basic: key id as user, secret as password.
	basic := func(user, pass string) svarsignv1connect.ShipmentServiceClient {
		return svarsignv1connect.NewShipmentServiceClient(http.DefaultClient, srv.URL, connect.WithInterceptors(basicCreds{user, pass}))
	}
	got, err := basic(keyID, secret).GetShipment(ctx, connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: id}))
	if err != nil {
		t.Fatalf("Connect with HTTP Basic: %v", err)
	}
	if got.Msg.GetShipment().GetId() != id {
		t.Fatalf("Connect with HTTP Basic got shipment %s, want %s", got.Msg.GetShipment().GetId(), id)
	}
	if _, err := basic(keyID, strings.Repeat("A", len(secret))).GetShipment(ctx, connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: id})); st.Code(err) != connect.CodeUnauthenticated {
		t.Errorf("Connect with a wrong Basic password: %v, want Unauthenticated", err)
	}

	get := func(set func(*http.Request)) (int, []byte) {
		t.Helper()
		r, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/shipments/"+id, nil)
		set(r)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}
	code, body := get(func(r *http.Request) { r.SetBasicAuth(keyID, secret) })
	var js struct {
		Shipment struct {
			ID string `json:"id"`
		} `json:"shipment"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &js) != nil || js.Shipment.ID != id {
		t.Fatalf("JSON with HTTP Basic: HTTP %d %s, want 200 with shipment %s", code, body, id)
	}
	code, body = get(func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) })
	if code != http.StatusOK {
		t.Fatalf("JSON with Bearer: HTTP %d %s", code, body)
	}
	for name, set := range map[string]func(*http.Request){
		"no key":                    func(*http.Request) {},
		"wrong Basic":               func(r *http.Request) { r.SetBasicAuth(keyID, "feil") },
		"wrong Bearer":              func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+wrongSecret) },
		"whole token as Basic user": func(r *http.Request) { r.SetBasicAuth(token, "") },
	} {
		if code, body := get(set); code != http.StatusUnauthorized {
			t.Errorf("JSON with %s: HTTP %d %s, want 401", name, code, body)
		}
	}
}
