package app_test

import (
	"context"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/svarsign/svarsign/ent/shipment"
	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/gen/go/svarsign/v1/svarsignv1connect"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/database/databasetest"
)

// receivedEvents counts the RECEIVED events in a shipment's history.
func receivedEvents(t *testing.T, c svarsignv1connect.ShipmentServiceClient, id string) int {
	t.Helper()
	h, err := c.GetHistory(context.Background(), connect.NewRequest(&svarsignv1.GetHistoryRequest{Id: id}))
	if err != nil {
		t.Fatalf("GetHistory %s: %v", id, err)
	}
	n := 0
	for _, e := range h.Msg.GetEvents() {
		if e.GetStatus() == svarsignv1.ShipmentStatus_SHIPMENT_STATUS_RECEIVED {
			n++
		}
	}
	return n
}

// sameDocuments reports whether two answers describe the same stored documents.
func sameDocuments(a, b []*svarsignv1.Document) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !proto.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func orgShipments(t *testing.T, srv *trackedServer, orgNumber string) []string {
	t.Helper()
	rows, err := srv.App.DB().Ent.Shipment.Query().Where(shipment.SenderOrgNumber(orgNumber)).All(databasetest.Context(t))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.ID.String())
	}
	return ids
}

// TestIdempotentSendWithShipmentID retries a send under an id from
// StartShipment: the retry answers the first result, a different send under
// the same id is AlreadyExists, and neither changes what was stored.
func TestIdempotentSendWithShipmentID(t *testing.T) {
	t.Parallel()
	srv := startTrackedServer(t)
	ctx := context.Background()
	token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	c := srv.Shipments(token, st.Connect)
	id := reserveShipment(t, c)
	if _, err := uploadBytes(ctx, c, &svarsignv1.UploadDocumentHeader{ShipmentId: id, FileName: "vedlegg.txt", MimeType: "text/plain"}, []byte("vedlegg")); err != nil {
		t.Fatal(err)
	}
	req := validSendRequest()
	req.ShipmentId = id
	req.Documents = append(req.Documents, &svarsignv1.DocumentSpec{FileName: "vedlegg.txt"})

	first, err := c.SendShipment(ctx, connect.NewRequest(req))
	if err != nil {
		t.Fatal(err)
	}
	want := first.Msg.GetShipment()
	if want.GetId() != id || len(want.GetDocuments()) != 2 {
		t.Fatalf("first send: %v", want)
	}
	storedAfterFirst := srv.stored(t)
	if storedAfterFirst.Shipments != 1 || storedAfterFirst.Documents != 2 || storedAfterFirst.Blobs != 2 {
		t.Fatalf("after the first send the server holds %+v", storedAfterFirst)
	}

	// The same request again, over each protocol.
	for _, p := range allProtocols {
		again, err := srv.Shipments(token, p).SendShipment(ctx, connect.NewRequest(proto.Clone(req).(*svarsignv1.SendShipmentRequest)))
		if err != nil {
			t.Fatalf("%s: retry: %v", p, err)
		}
		got := again.Msg.GetShipment()
		if got.GetId() != id || got.GetTitle() != want.GetTitle() || !sameDocuments(got.GetDocuments(), want.GetDocuments()) || !proto.Equal(got.GetCreateTime(), want.GetCreateTime()) {
			t.Fatalf("%s: retry answered %v, want the first result %v", p, got, want)
		}
	}
	if n := receivedEvents(t, c, id); n != 1 {
		t.Fatalf("history has %d RECEIVED events, want 1", n)
	}
	if got := srv.stored(t); got.Shipments != 1 || got.Documents != 2 || got.Blobs != 2 {
		t.Fatalf("after retries the server holds %+v, want %+v", got, storedAfterFirst)
	}

	// Same id, different content.
	for _, mod := range []func(*svarsignv1.SendShipmentRequest){
		func(r *svarsignv1.SendShipmentRequest) { r.Title = "Et annet vedtak" },
		func(r *svarsignv1.SendShipmentRequest) { r.Recipient = personRecipient(1) },
		func(r *svarsignv1.SendShipmentRequest) { r.Documents = r.Documents[:1] },
	} {
		other := proto.Clone(req).(*svarsignv1.SendShipmentRequest)
		mod(other)
		_, err := c.SendShipment(ctx, connect.NewRequest(other))
		if st.Code(err) != connect.CodeAlreadyExists {
			t.Fatalf("same id, different content: %v, want AlreadyExists", err)
		}
	}
	got, err := c.GetShipment(ctx, connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: id}))
	if err != nil {
		t.Fatal(err)
	}
	sh := got.Msg.GetShipment()
	if sh.GetTitle() != req.GetTitle() || sh.GetRecipient().GetNationalIdentityNumber() != st.Person(0) || !sameDocuments(sh.GetDocuments(), want.GetDocuments()) {
		t.Fatalf("the first shipment changed: %v", sh)
	}
	if n := receivedEvents(t, c, id); n != 1 {
		t.Fatalf("history has %d RECEIVED events, want 1", n)
	}
	if got := srv.stored(t); got.Shipments != 1 || got.Documents != 2 || got.Blobs != 2 {
		t.Fatalf("after conflicting sends the server holds %+v", got)
	}
}

// TestIdempotentSendWithKey retries a send by idempotency key, without an id.
func TestIdempotentSendWithKey(t *testing.T) {
	t.Parallel()
	srv := startTrackedServer(t)
	ctx := context.Background()
	orgA, orgB := st.OrgNumber(0), st.OrgNumber(1)
	a := srv.Shipments(srv.Org(t, orgA, "Kommune A"), st.Connect)
	b := srv.Shipments(srv.Org(t, orgB, "Kommune B"), st.GRPC)

	req := validSendRequest()
	req.IdempotencyKey = "sak-2026-42-vedtak"
	first, err := a.SendShipment(ctx, connect.NewRequest(req))
	if err != nil {
		t.Fatal(err)
	}
	id := first.Msg.GetShipment().GetId()
	again, err := a.SendShipment(ctx, connect.NewRequest(proto.Clone(req).(*svarsignv1.SendShipmentRequest)))
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if again.Msg.GetShipment().GetId() != id || !sameDocuments(again.Msg.GetShipment().GetDocuments(), first.Msg.GetShipment().GetDocuments()) {
		t.Fatalf("retry answered %v, want the first result %v", again.Msg.GetShipment(), first.Msg.GetShipment())
	}
	if ids := orgShipments(t, srv, orgA); len(ids) != 1 || ids[0] != id {
		t.Fatalf("A has shipments %q, want only %s", ids, id)
	}

	other := proto.Clone(req).(*svarsignv1.SendShipmentRequest)
	other.Documents[0].Content = []byte("%PDF-1.4\n% et annet vedtak\n")
	if _, err := a.SendShipment(ctx, connect.NewRequest(other)); st.Code(err) != connect.CodeAlreadyExists {
		t.Fatalf("same key, different content: %v, want AlreadyExists", err)
	}
	got, err := a.GetShipment(ctx, connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: id}))
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Msg.GetShipment().GetDocuments(); len(d) != 1 || d[0].GetSha256() != sha(req.Documents[0].Content) {
		t.Fatalf("the first shipment's documents changed: %v", d)
	}
	if n := receivedEvents(t, a, id); n != 1 {
		t.Fatalf("history has %d RECEIVED events, want 1", n)
	}
	if got := srv.stored(t); got.Shipments != 1 || got.Documents != 1 || got.Blobs != 1 {
		t.Fatalf("server holds %+v, want one shipment with one document", got)
	}

	// The same key in another organisation is another shipment.
	inB, err := b.SendShipment(ctx, connect.NewRequest(proto.Clone(other).(*svarsignv1.SendShipmentRequest)))
	if err != nil {
		t.Fatalf("same key in organisation B: %v", err)
	}
	bID := inB.Msg.GetShipment().GetId()
	if bID == id {
		t.Fatalf("B's send answered A's shipment %s", id)
	}
	if inB.Msg.GetShipment().GetSenderOrganizationNumber() != orgB {
		t.Fatalf("B's shipment has sender %s", inB.Msg.GetShipment().GetSenderOrganizationNumber())
	}
	// And B retrying it gets B's, A retrying gets A's.
	if r, err := b.SendShipment(ctx, connect.NewRequest(proto.Clone(other).(*svarsignv1.SendShipmentRequest))); err != nil || r.Msg.GetShipment().GetId() != bID {
		t.Fatalf("B's retry: %v, %v; want %s", r, err, bID)
	}
	if r, err := a.SendShipment(ctx, connect.NewRequest(proto.Clone(req).(*svarsignv1.SendShipmentRequest))); err != nil || r.Msg.GetShipment().GetId() != id {
		t.Fatalf("A's retry after B's send: %v, %v; want %s", r, err, id)
	}
	if ids := orgShipments(t, srv, orgA); len(ids) != 1 || ids[0] != id {
		t.Fatalf("A has shipments %q, want only %s", ids, id)
	}
	if ids := orgShipments(t, srv, orgB); len(ids) != 1 || ids[0] != bID {
		t.Fatalf("B has shipments %q, want only %s", ids, bID)
	}
}

// concurrentSends is how many identical sends race in TestIdempotentConcurrentSends.
const concurrentSends = 8

// raceSends sends req concurrentSends times at once, over all protocols, and
// returns the shipment id they answered. Every call must succeed with the
// same id; with allowAborted, a call may instead answer Aborted (the
// documented "concurrent send; retry"), but at least one must succeed.
func raceSends(t *testing.T, srv *trackedServer, token string, req *svarsignv1.SendShipmentRequest, allowAborted bool) string {
	t.Helper()
	var wg sync.WaitGroup
	ids := make([]string, concurrentSends)
	errs := make([]error, concurrentSends)
	start := make(chan struct{})
	for i := range concurrentSends {
		c := srv.Shipments(token, allProtocols[i%len(allProtocols)])
		wg.Go(func() {
			<-start
			resp, err := c.SendShipment(context.Background(), connect.NewRequest(proto.Clone(req).(*svarsignv1.SendShipmentRequest)))
			errs[i] = err
			if err == nil {
				ids[i] = resp.Msg.GetShipment().GetId()
			}
		})
	}
	close(start)
	wg.Wait()
	var id string
	aborted := 0
	for i := range concurrentSends {
		switch {
		case errs[i] != nil && allowAborted && st.Code(errs[i]) == connect.CodeAborted:
			aborted++
		case errs[i] != nil:
			t.Errorf("send %d: %v (code %v)", i, errs[i], st.Code(errs[i]))
		case id == "":
			id = ids[i]
		case ids[i] != id:
			t.Errorf("send %d answered shipment %s, an earlier one %s", i, ids[i], id)
		}
	}
	if id == "" && !t.Failed() {
		t.Errorf("all %d sends were aborted", concurrentSends)
	}
	if aborted > 0 {
		t.Logf("%d of %d concurrent sends answered Aborted", aborted, concurrentSends)
	}
	if t.Failed() {
		t.FailNow()
	}
	return id
}

// TestIdempotentConcurrentSends races identical sends with one idempotency
// key, and with one reserved id: exactly one shipment is stored, with one
// RECEIVED event, and every call answers it. On SQLite (BEGIN IMMEDIATE
// serialises the sends) every call succeeds; on PostgreSQL a loser of the
// race on the unique (org, idempotency_key) index may answer Aborted.
func TestIdempotentConcurrentSends(t *testing.T) {
	t.Parallel()
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			start := func(t *testing.T) *trackedServer {
				if db == "postgres" {
					dsn := databasetest.PostgresDSN(t)
					return startTrackedServer(t, func(c *app.Config) { c.DatabaseURL = dsn })
				}
				return startTrackedServer(t)
			}
			t.Run("idempotency key", func(t *testing.T) {
				srv := start(t)
				token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
				req := validSendRequest()
				req.IdempotencyKey = "samtidig"
				id := raceSends(t, srv, token, req, db == "postgres")
				if got := srv.stored(t); got.Shipments != 1 || got.Documents != 1 || got.Blobs != 1 {
					t.Fatalf("after %d concurrent sends the server holds %+v (blobs %q), want 1 shipment, 1 document, 1 blob", concurrentSends, got, srv.blobFiles(t))
				}
				if k := receivedEvents(t, srv.Shipments(token, st.Connect), id); k != 1 {
					t.Fatalf("history has %d RECEIVED events, want 1", k)
				}
			})
			t.Run("shipment id", func(t *testing.T) {
				srv := start(t)
				token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
				c := srv.Shipments(token, st.Connect)
				req := validSendRequest()
				req.ShipmentId = reserveShipment(t, c)
				if _, err := uploadBytes(context.Background(), c, &svarsignv1.UploadDocumentHeader{ShipmentId: req.ShipmentId, FileName: "vedlegg.txt", MimeType: "text/plain"}, []byte("vedlegg")); err != nil {
					t.Fatal(err)
				}
				req.Documents = append(req.Documents, &svarsignv1.DocumentSpec{FileName: "vedlegg.txt"})
				id := raceSends(t, srv, token, req, false)
				if id != req.ShipmentId {
					t.Fatalf("sends answered %s, want the reserved %s", id, req.ShipmentId)
				}
				if got := srv.stored(t); got.Shipments != 1 || got.Documents != 2 || got.Blobs != 2 {
					t.Fatalf("after %d concurrent sends the server holds %+v (blobs %q), want 1 shipment, 2 documents, 2 blobs", concurrentSends, got, srv.blobFiles(t))
				}
				if k := receivedEvents(t, c, id); k != 1 {
					t.Fatalf("history has %d RECEIVED events, want 1", k)
				}
			})
		})
	}
}
