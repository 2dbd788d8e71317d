package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/gen/go/svarsign/v1/svarsignv1connect"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/database/databasetest"
	"github.com/svarsign/svarsign/server/domain"
)

const (
	sigWaiting   = svarsignv1.SigningStatus_SIGNING_STATUS_WAITING
	sigExpired   = svarsignv1.SigningStatus_SIGNING_STATUS_EXPIRED
	sigCancelled = svarsignv1.SigningStatus_SIGNING_STATUS_CANCELLED
)

func withClock(c *st.Clock, sweep time.Duration) func(*app.Config) {
	return func(cfg *app.Config) {
		cfg.Clock = c.Now
		cfg.SweepInterval = sweep
	}
}

// signingSend is a valid send with a signing order: a contract PDF marked
// sign and a plain attachment, authenticated signature, level 4 required.
func signingSend(t testing.TB, recipient int, deadline time.Time) *svarsignv1.SendShipmentRequest {
	return &svarsignv1.SendShipmentRequest{
		Title:         "Kontrakt til signering",
		Recipient:     personRecipient(recipient),
		SenderSystem:  "Sak 1.0",
		RequireLevel4: true,
		Documents: []*svarsignv1.DocumentSpec{
			{FileName: "kontrakt.pdf", MimeType: "application/pdf", Content: makePDF(t, "Kontrakt"), Sign: true},
			{FileName: "vedlegg.txt", MimeType: "text/plain", Content: []byte("Vedlegg til kontrakten")},
		},
		SigningOrder: &svarsignv1.SigningOrder{
			SignatureType: svarsignv1.SignatureType_SIGNATURE_TYPE_AUTHENTICATED,
			Deadline:      timestamppb.New(deadline),
		},
	}
}

// signingCounts is what the server has persisted, signing rows included.
type signingCounts struct {
	Shipments, Documents, Events, SigningOrders, SigningEvents, ExpireJobs, Blobs int
}

func (s *trackedServer) signingStored(t *testing.T) signingCounts {
	t.Helper()
	ctx := databasetest.Context(t)
	db := s.App.DB().Ent
	var out signingCounts
	var err error
	count := func(dst *int, f func(context.Context) (int, error)) {
		if err != nil {
			return
		}
		*dst, err = f(ctx)
	}
	count(&out.Shipments, db.Shipment.Query().Count)
	count(&out.Documents, db.Document.Query().Count)
	count(&out.Events, db.ShipmentEvent.Query().Count)
	count(&out.SigningOrders, db.SigningOrder.Query().Count)
	count(&out.SigningEvents, db.SigningEvent.Query().Count)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.App.DB().SQL.QueryRowContext(ctx, "SELECT count(*) FROM river_job WHERE kind = 'expire_signing_order'").Scan(&out.ExpireJobs); err != nil {
		t.Fatalf("counting expiry jobs: %v", err)
	}
	out.Blobs = len(s.blobFiles(t))
	return out
}

func sendOK(t *testing.T, c svarsignv1connect.ShipmentServiceClient, req *svarsignv1.SendShipmentRequest) *svarsignv1.Shipment {
	t.Helper()
	resp, err := c.SendShipment(context.Background(), connect.NewRequest(req))
	if err != nil {
		t.Fatalf("SendShipment: %v", err)
	}
	return resp.Msg.GetShipment()
}

func getOrder(t *testing.T, c svarsignv1connect.SigningServiceClient, id string) *svarsignv1.SigningOrder {
	t.Helper()
	resp, err := c.GetSigningOrder(context.Background(), connect.NewRequest(&svarsignv1.GetSigningOrderRequest{ShipmentId: id}))
	if err != nil {
		t.Fatalf("GetSigningOrder %s: %v", id, err)
	}
	if resp.Msg.GetShipmentId() != id {
		t.Fatalf("GetSigningOrder %s answered for shipment %q", id, resp.Msg.GetShipmentId())
	}
	return resp.Msg.GetSigningOrder()
}

func signingHistory(t *testing.T, c svarsignv1connect.SigningServiceClient, id string) []*svarsignv1.SigningEvent {
	t.Helper()
	resp, err := c.GetSigningHistory(context.Background(), connect.NewRequest(&svarsignv1.GetSigningHistoryRequest{ShipmentId: id}))
	if err != nil {
		t.Fatalf("GetSigningHistory %s: %v", id, err)
	}
	return resp.Msg.GetEvents()
}

func signingStatusOf(t *testing.T, c svarsignv1connect.ShipmentServiceClient, id string) svarsignv1.SigningStatus {
	t.Helper()
	resp, err := c.GetStatuses(context.Background(), connect.NewRequest(&svarsignv1.GetStatusesRequest{Ids: []string{id}}))
	if err != nil {
		t.Fatalf("GetStatuses: %v", err)
	}
	if len(resp.Msg.GetStatuses()) != 1 || resp.Msg.GetStatuses()[0].GetId() != id {
		t.Fatalf("GetStatuses(%s) = %v", id, resp.Msg.GetStatuses())
	}
	return resp.Msg.GetStatuses()[0].GetSigningStatus()
}

// downloadSignedErr opens DownloadSignedDocument and returns how it ended.
func downloadSignedErr(c svarsignv1connect.SigningServiceClient, id string) error {
	stream, err := c.DownloadSignedDocument(context.Background(), connect.NewRequest(&svarsignv1.DownloadSignedDocumentRequest{ShipmentId: id}))
	if err != nil {
		return err
	}
	defer stream.Close()
	for stream.Receive() {
	}
	return stream.Err()
}

// signingSweep is the kind of the periodic deadline sweep (signing.SweepArgs).
const signingSweep = "sweep_signing_deadlines"

// waitSigningStatus waits until the signing order reaches want, checking
// as the server's jobs finish.
func waitSigningStatus(t *testing.T, srv *st.Server, c svarsignv1connect.SigningServiceClient, id string, want svarsignv1.SigningStatus) *svarsignv1.SigningOrder {
	t.Helper()
	var o *svarsignv1.SigningOrder
	srv.Await(t, func() error {
		if o = getOrder(t, c, id); o.GetStatus() != want {
			return fmt.Errorf("signing order of %s is %v, want %v", id, o.GetStatus(), want)
		}
		return nil
	})
	return o
}

func listAllOrders(t *testing.T, c svarsignv1connect.SigningServiceClient, req *svarsignv1.ListSigningOrdersRequest) []string {
	t.Helper()
	var ids []string
	req = proto.Clone(req).(*svarsignv1.ListSigningOrdersRequest)
	for range 100 {
		resp, err := c.ListSigningOrders(context.Background(), connect.NewRequest(req))
		if err != nil {
			t.Fatalf("ListSigningOrders: %v", err)
		}
		for _, s := range resp.Msg.GetSigningOrders() {
			ids = append(ids, s.GetShipmentId())
		}
		if resp.Msg.GetNextPageToken() == "" {
			return ids
		}
		req.PageToken = resp.Msg.GetNextPageToken()
	}
	t.Fatal("ListSigningOrders never ended")
	return nil
}

// invalidSigningSends each break one rule of a signing order (README,
// "Signing orders").
var invalidSigningSends = []struct {
	name  string
	field string
	mod   func(testing.TB, *svarsignv1.SendShipmentRequest)
}{
	{"recipient is an organisation", "recipient.organization_number", func(_ testing.TB, r *svarsignv1.SendShipmentRequest) {
		r.Recipient = &svarsignv1.Recipient{Identity: &svarsignv1.Recipient_OrganizationNumber{OrganizationNumber: st.OrgNumber(7)}, Name: "Mottaker AS"}
	}},
	{"no document marked sign", "documents", func(_ testing.TB, r *svarsignv1.SendShipmentRequest) { r.Documents[0].Sign = false }},
	{"two documents marked sign", "documents[1].sign", func(t testing.TB, r *svarsignv1.SendShipmentRequest) {
		r.Documents[1] = &svarsignv1.DocumentSpec{FileName: "kontrakt2.pdf", MimeType: "application/pdf", Content: makePDF(t, "Kontrakt 2"), Sign: true}
	}},
	{"sign document text/plain", "documents[0].mime_type", func(_ testing.TB, r *svarsignv1.SendShipmentRequest) { r.Documents[0].MimeType = "text/plain" }},
	{"sign document not a PDF", "documents[0].content", func(_ testing.TB, r *svarsignv1.SendShipmentRequest) { r.Documents[0].Content = []byte("hello") }},
	{"sign document encrypted PDF", "documents[0].content", func(t testing.TB, r *svarsignv1.SendShipmentRequest) { r.Documents[0].Content = encryptedPDF(t) }},
	{"sign document truncated PDF", "documents[0].content", func(t testing.TB, r *svarsignv1.SendShipmentRequest) { r.Documents[0].Content = truncatedPDF(t) }},
	{"signature type unspecified", "signing_order.signature_type", func(_ testing.TB, r *svarsignv1.SendShipmentRequest) {
		r.SigningOrder.SignatureType = svarsignv1.SignatureType_SIGNATURE_TYPE_UNSPECIFIED
	}},
	{"deadline missing", "signing_order.deadline", func(_ testing.TB, r *svarsignv1.SendShipmentRequest) { r.SigningOrder.Deadline = nil }},
	{"deadline 23h ahead", "signing_order.deadline", func(_ testing.TB, r *svarsignv1.SendShipmentRequest) {
		r.SigningOrder.Deadline = timestamppb.New(time.Now().Add(23 * time.Hour))
	}},
	{"deadline 91 days ahead", "signing_order.deadline", func(_ testing.TB, r *svarsignv1.SendShipmentRequest) {
		r.SigningOrder.Deadline = timestamppb.New(time.Now().Add(91 * 24 * time.Hour))
	}},
	{"reply_to invalid", "reply_to", func(_ testing.TB, r *svarsignv1.SendShipmentRequest) { r.ReplyTo = "12345678" }},
	{"sign without signing_order", "documents[0].sign", func(_ testing.TB, r *svarsignv1.SendShipmentRequest) { r.SigningOrder = nil }},
}

// TestSigningOrderValidation sends orders that each break one signing rule,
// over every protocol: InvalidArgument on the one field, nothing stored.
func TestSigningOrderValidation(t *testing.T) {
	t.Parallel()
	srv := startTrackedServer(t)
	token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	ctx := context.Background()
	deadline := time.Now().Add(14 * 24 * time.Hour)
	for _, tc := range invalidSigningSends {
		t.Run(tc.name, func(t *testing.T) {
			for _, p := range allProtocols {
				req := signingSend(t, 0, deadline)
				tc.mod(t, req)
				_, err := srv.Shipments(token, p).SendShipment(ctx, connect.NewRequest(req))
				if err == nil {
					t.Fatalf("%s: send was accepted", p)
				}
				t.Run(string(p), func(t *testing.T) { wantOneViolation(t, err, tc.field) })
				if got := srv.signingStored(t); got != (signingCounts{}) {
					t.Fatalf("%s: after a rejected send the server holds %+v, want nothing (blobs %q)", p, got, srv.blobFiles(t))
				}
			}
		})
	}

	// The base request is valid, so each case failed for its one change.
	sendOK(t, srv.Shipments(token, st.Connect), signingSend(t, 0, deadline))
	if got := srv.signingStored(t); got.Shipments != 1 || got.Documents != 2 || got.SigningOrders != 1 || got.SigningEvents != 1 || got.ExpireJobs != 1 || got.Blobs != 2 {
		t.Fatalf("after one valid send the server holds %+v", got)
	}
}

// TestSigningOrderUploadedDocument marks an uploaded document for signing:
// its bytes are checked too, a refused send leaves the DRAFT as it was, and
// the DRAFT takes a correct send afterwards.
func TestSigningOrderUploadedDocument(t *testing.T) {
	t.Parallel()
	srv := startTrackedServer(t)
	ctx := context.Background()
	c := srv.Shipments(srv.Org(t, st.OrgNumber(0), "Eksempel kommune"), st.Connect)
	id := reserveShipment(t, c)
	if _, err := uploadBytes(ctx, c, &svarsignv1.UploadDocumentHeader{ShipmentId: id, FileName: "kontrakt.pdf", MimeType: "application/pdf"}, []byte("hello")); err != nil {
		t.Fatalf("UploadDocument: %v", err)
	}
	req := signingSend(t, 0, time.Now().Add(14*24*time.Hour))
	req.ShipmentId = id
	req.Documents[0] = &svarsignv1.DocumentSpec{FileName: "kontrakt.pdf", Sign: true}
	_, err := c.SendShipment(ctx, connect.NewRequest(req))
	wantOneViolation(t, err, "documents[0].content")
	if got := srv.signingStored(t); got != (signingCounts{Shipments: 1, Documents: 1, Blobs: 1}) {
		t.Fatalf("after the refused send the server holds %+v, want the DRAFT and its upload only", got)
	}
	row, err := srv.App.DB().Ent.Shipment.Get(databasetest.Context(t), uuid.MustParse(id))
	if err != nil {
		t.Fatal(err)
	}
	if row.Status != domain.StatusDraft {
		t.Fatalf("reserved shipment is %v after a refused send, want DRAFT", row.Status)
	}
	doc, err := srv.App.DB().Ent.Document.Query().Only(databasetest.Context(t))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Sign {
		t.Errorf("the refused send left the upload marked sign")
	}

	// Replace the upload with a real PDF and send again.
	pdf := makePDF(t, "Kontrakt lastet opp")
	if _, err := uploadBytes(ctx, c, &svarsignv1.UploadDocumentHeader{ShipmentId: id, FileName: "kontrakt.pdf", MimeType: "application/pdf"}, pdf); err != nil {
		t.Fatalf("UploadDocument: %v", err)
	}
	sh := sendOK(t, c, req)
	if sh.GetId() != id || len(sh.GetDocuments()) != 2 || !sh.GetDocuments()[0].GetSign() || sh.GetDocuments()[0].GetSha256() != sha(pdf) {
		t.Fatalf("sent shipment %v", sh)
	}
	so := sh.GetSigningOrder()
	if so.GetStatus() != sigWaiting || so.GetDocumentId() != sh.GetDocuments()[0].GetId() || so.GetFileName() != "kontrakt.pdf" {
		t.Fatalf("signing order %v, want WAITING on the uploaded kontrakt.pdf", so)
	}
	if got := srv.signingStored(t); got.Shipments != 1 || got.Documents != 2 || got.Blobs != 2 || got.SigningOrders != 1 || got.SigningEvents != 1 || got.ExpireJobs != 1 {
		t.Fatalf("after the send the server holds %+v", got)
	}

	// An upload stored as text/plain, sent with no MIME type: the stored type counts.
	id2 := reserveShipment(t, c)
	if _, err := uploadBytes(ctx, c, &svarsignv1.UploadDocumentHeader{ShipmentId: id2, FileName: "kontrakt.pdf", MimeType: "text/plain"}, pdf); err != nil {
		t.Fatalf("UploadDocument: %v", err)
	}
	req.ShipmentId = id2
	_, err = c.SendShipment(ctx, connect.NewRequest(req))
	wantOneViolation(t, err, "documents[0].mime_type")
	if got := srv.signingStored(t); got.SigningOrders != 1 || got.ExpireJobs != 1 {
		t.Fatalf("the refused send stored signing rows: %+v", got)
	}
}

// TestSigningDeadlineBoundaries: deadlines just inside the window are accepted.
func TestSigningDeadlineBoundaries(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	c := srv.Shipments(srv.Org(t, st.OrgNumber(0), "Eksempel kommune"), st.Connect)
	for i, d := range []time.Duration{24*time.Hour + time.Minute, 89 * 24 * time.Hour} {
		deadline := time.Now().Add(d)
		sh := sendOK(t, c, signingSend(t, i, deadline))
		if got := sh.GetSigningOrder().GetDeadline().AsTime(); !got.Equal(deadline.Truncate(time.Microsecond)) {
			t.Errorf("deadline %v stored as %v", deadline, got)
		}
	}
}

// TestSigningDeadlineExactLimits uses a stopped clock so the limits are
// exact: 24 h and 90 days are allowed, a second beyond is not.
func TestSigningDeadlineExactLimits(t *testing.T) {
	t.Parallel()
	clk := st.NewClock(time.Now().UTC().Truncate(time.Second))
	srv := startTrackedServer(t, withClock(clk, time.Minute))
	c := srv.Shipments(srv.Org(t, st.OrgNumber(0), "Eksempel kommune"), st.Connect)
	now := clk.Now()
	for i, tc := range []struct {
		lead time.Duration
		ok   bool
	}{
		{24 * time.Hour, true},
		{24*time.Hour - time.Second, false},
		{90 * 24 * time.Hour, true},
		{90*24*time.Hour + time.Second, false},
	} {
		_, err := c.SendShipment(context.Background(), connect.NewRequest(signingSend(t, i, now.Add(tc.lead))))
		if tc.ok && err != nil {
			t.Errorf("deadline now+%v rejected: %v", tc.lead, err)
		}
		if !tc.ok {
			if err == nil {
				t.Errorf("deadline now+%v accepted", tc.lead)
				continue
			}
			wantOneViolation(t, err, "signing_order.deadline")
		}
	}
	if got := srv.signingStored(t); got.SigningOrders != 2 {
		t.Fatalf("server holds %+v, want the 2 accepted orders", got)
	}
}

// TestSigningOrderRegistered follows a valid signing order through every read RPC.
func TestSigningOrderRegistered(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	sender := st.OrgNumber(0)
	token := srv.Org(t, sender, "Eksempel kommune")
	ctx := context.Background()
	deadline := time.Now().Add(14 * 24 * time.Hour)
	for _, p := range allProtocols {
		t.Run(string(p), func(t *testing.T) {
			c, sc := srv.Shipments(token, p), srv.Signing(token, p)
			sh := sendOK(t, c, signingSend(t, 0, deadline))
			id := sh.GetId()
			docs := sh.GetDocuments()
			if len(docs) != 2 || !docs[0].GetSign() || docs[1].GetSign() {
				t.Fatalf("documents %v, want kontrakt.pdf marked sign and vedlegg.txt not", docs)
			}
			check := func(where string, so *svarsignv1.SigningOrder) {
				t.Helper()
				if so.GetStatus() != sigWaiting || so.GetDocumentId() != docs[0].GetId() || so.GetFileName() != "kontrakt.pdf" ||
					!so.GetRequireLevel4() || so.GetReplyTo() != sender ||
					so.GetSignatureType() != svarsignv1.SignatureType_SIGNATURE_TYPE_AUTHENTICATED ||
					!so.GetDeadline().AsTime().Equal(deadline.Truncate(time.Microsecond)) || so.GetReturnShipmentId() != "" || so.GetUpdateTime() == nil {
					t.Fatalf("%s: signing order %v", where, so)
				}
			}
			check("SendShipment", sh.GetSigningOrder())
			got, err := c.GetShipment(ctx, connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: id}))
			if err != nil {
				t.Fatal(err)
			}
			check("GetShipment", got.Msg.GetShipment().GetSigningOrder())
			if got.Msg.GetShipment().GetReplyTo() != sender || !got.Msg.GetShipment().GetRequireLevel4() {
				t.Errorf("shipment reply_to %q require_level4 %v", got.Msg.GetShipment().GetReplyTo(), got.Msg.GetShipment().GetRequireLevel4())
			}
			so := getOrder(t, sc, id)
			check("GetSigningOrder", so)
			if !proto.Equal(so, got.Msg.GetShipment().GetSigningOrder()) {
				t.Errorf("GetSigningOrder %v differs from GetShipment's %v", so, got.Msg.GetShipment().GetSigningOrder())
			}
			if s := signingStatusOf(t, c, id); s != sigWaiting {
				t.Errorf("GetStatuses signing_status %v, want WAITING", s)
			}
			evs := signingHistory(t, sc, id)
			if len(evs) != 1 || evs[0].GetStatus() != sigWaiting || !strings.Contains(strings.ToLower(evs[0].GetText()), "registered") ||
				!strings.Contains(evs[0].GetText(), "kontrakt.pdf") || evs[0].GetTime() == nil || evs[0].GetReturnShipmentId() != "" {
				t.Fatalf("signing history %v, want one WAITING 'registered' event naming kontrakt.pdf", evs)
			}
			if err := downloadSignedErr(sc, id); st.Code(err) != connect.CodeFailedPrecondition {
				t.Errorf("DownloadSignedDocument of a WAITING order: %v, want FailedPrecondition", err)
			}
			if _, err := sc.GetEvidence(ctx, connect.NewRequest(&svarsignv1.GetEvidenceRequest{ShipmentId: id})); st.Code(err) != connect.CodeFailedPrecondition {
				t.Errorf("GetEvidence of a WAITING order: %v, want FailedPrecondition", err)
			}
		})
	}

	c, sc := srv.Shipments(token, st.Connect), srv.Signing(token, st.Connect)
	// A shipment without an order has no signing status and no order.
	plain := sendOK(t, c, validSendRequest())
	if s := signingStatusOf(t, c, plain.GetId()); s != svarsignv1.SigningStatus_SIGNING_STATUS_UNSPECIFIED {
		t.Errorf("shipment without a signing order has signing_status %v", s)
	}
	if plain.GetSigningOrder() != nil {
		t.Errorf("shipment without a signing order shows %v", plain.GetSigningOrder())
	}
	if _, err := sc.GetSigningOrder(ctx, connect.NewRequest(&svarsignv1.GetSigningOrderRequest{ShipmentId: plain.GetId()})); st.Code(err) != connect.CodeNotFound {
		t.Errorf("GetSigningOrder of a shipment without an order: %v, want NotFound", err)
	}
	if _, err := sc.GetSigningOrder(ctx, connect.NewRequest(&svarsignv1.GetSigningOrderRequest{ShipmentId: "kontrakt-1"})); st.Code(err) != connect.CodeInvalidArgument {
		t.Errorf("GetSigningOrder with a bad id: %v, want InvalidArgument", err)
	}

	// reply_to given explicitly must be an organisation using svarsign (the
	// signed document goes to its Inbox), and is kept.
	other := st.OrgNumber(5)
	req := signingSend(t, 1, deadline)
	req.ReplyTo = other
	_, err := c.SendShipment(ctx, connect.NewRequest(req))
	wantOneViolation(t, err, "reply_to")
	srv.Org(t, other, "Arkiv IKS")
	sh := sendOK(t, c, req)
	if sh.GetSigningOrder().GetReplyTo() != other || getOrder(t, sc, sh.GetId()).GetReplyTo() != other || sh.GetReplyTo() != other {
		t.Fatalf("reply_to %q given, order says %q, shipment %q", other, sh.GetSigningOrder().GetReplyTo(), sh.GetReplyTo())
	}
}

// TestListSigningOrders filters by status and pages without losing or repeating orders.
func TestListSigningOrders(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	ctx := context.Background()
	c, sc := srv.Shipments(token, st.Connect), srv.Signing(token, st.GRPC)
	var sent []string
	for i := range 5 {
		sent = append(sent, sendOK(t, c, signingSend(t, i, time.Now().Add(time.Duration(10+i)*24*time.Hour))).GetId())
	}
	// One shipment without an order is not listed.
	sendOK(t, c, validSendRequest())
	if _, err := sc.CancelSigningOrder(ctx, connect.NewRequest(&svarsignv1.CancelSigningOrderRequest{ShipmentId: sent[2]})); err != nil {
		t.Fatal(err)
	}
	newestFirst := slices.Clone(sent)
	slices.Reverse(newestFirst)

	all := listAllOrders(t, sc, &svarsignv1.ListSigningOrdersRequest{})
	if !slices.Equal(all, newestFirst) {
		t.Fatalf("ListSigningOrders = %q, want %q (newest first)", all, newestFirst)
	}
	waiting := listAllOrders(t, sc, &svarsignv1.ListSigningOrdersRequest{Statuses: []svarsignv1.SigningStatus{sigWaiting}})
	wantWaiting := slices.DeleteFunc(slices.Clone(newestFirst), func(s string) bool { return s == sent[2] })
	if !slices.Equal(waiting, wantWaiting) {
		t.Fatalf("WAITING orders %q, want %q", waiting, wantWaiting)
	}
	if got := listAllOrders(t, sc, &svarsignv1.ListSigningOrdersRequest{Statuses: []svarsignv1.SigningStatus{sigCancelled}}); !slices.Equal(got, []string{sent[2]}) {
		t.Fatalf("CANCELLED orders %q, want [%s]", got, sent[2])
	}
	if got := listAllOrders(t, sc, &svarsignv1.ListSigningOrdersRequest{Statuses: []svarsignv1.SigningStatus{sigExpired}}); len(got) != 0 {
		t.Fatalf("EXPIRED orders %q, want none", got)
	}
	if got := listAllOrders(t, sc, &svarsignv1.ListSigningOrdersRequest{Statuses: []svarsignv1.SigningStatus{sigWaiting, sigCancelled}}); !slices.Equal(got, newestFirst) {
		t.Fatalf("WAITING+CANCELLED orders %q, want all", got)
	}

	// Pages of 2: 2, 2, 1, then no token.
	var pages [][]string
	req := &svarsignv1.ListSigningOrdersRequest{PageSize: 2}
	for {
		resp, err := sc.ListSigningOrders(ctx, connect.NewRequest(req))
		if err != nil {
			t.Fatal(err)
		}
		var page []string
		for _, s := range resp.Msg.GetSigningOrders() {
			page = append(page, s.GetShipmentId())
			if s.GetSigningOrder().GetFileName() != "kontrakt.pdf" {
				t.Errorf("summary of %s: %v", s.GetShipmentId(), s.GetSigningOrder())
			}
		}
		pages = append(pages, page)
		if resp.Msg.GetNextPageToken() == "" || len(pages) > 5 {
			break
		}
		req.PageToken = resp.Msg.GetNextPageToken()
	}
	if len(pages) != 3 || len(pages[0]) != 2 || len(pages[1]) != 2 || len(pages[2]) != 1 {
		t.Fatalf("pages %q, want sizes 2, 2, 1", pages)
	}
	if got := slices.Concat(pages...); !slices.Equal(got, newestFirst) {
		t.Fatalf("pages together %q, want %q", got, newestFirst)
	}

	// Bad list requests.
	for _, tc := range []struct {
		field string
		req   *svarsignv1.ListSigningOrdersRequest
	}{
		{"page_size", &svarsignv1.ListSigningOrdersRequest{PageSize: -1}},
		{"page_size", &svarsignv1.ListSigningOrdersRequest{PageSize: 501}},
		{"statuses[0]", &svarsignv1.ListSigningOrdersRequest{Statuses: []svarsignv1.SigningStatus{svarsignv1.SigningStatus_SIGNING_STATUS_UNSPECIFIED}}},
		{"page_token", &svarsignv1.ListSigningOrdersRequest{PageToken: "not a token"}},
	} {
		_, err := sc.ListSigningOrders(ctx, connect.NewRequest(tc.req))
		wantOneViolation(t, err, tc.field)
	}
}

// TestCancelSigningOrder: WAITING → CANCELLED once, with the reason in the history.
func TestCancelSigningOrder(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	ctx := context.Background()
	for _, p := range allProtocols {
		t.Run(string(p), func(t *testing.T) {
			c, sc := srv.Shipments(token, p), srv.Signing(token, p)
			id := sendOK(t, c, signingSend(t, 0, time.Now().Add(14*24*time.Hour))).GetId()
			const reason = "Kontrakten er trukket tilbake"
			resp, err := sc.CancelSigningOrder(ctx, connect.NewRequest(&svarsignv1.CancelSigningOrderRequest{ShipmentId: id, Reason: reason}))
			if err != nil {
				t.Fatalf("CancelSigningOrder: %v", err)
			}
			if resp.Msg.GetSigningOrder().GetStatus() != sigCancelled {
				t.Fatalf("cancel answered %v", resp.Msg.GetSigningOrder())
			}
			if o := getOrder(t, sc, id); o.GetStatus() != sigCancelled {
				t.Fatalf("GetSigningOrder after cancel: %v", o)
			}
			if s := signingStatusOf(t, c, id); s != sigCancelled {
				t.Errorf("GetStatuses signing_status %v after cancel", s)
			}
			evs := signingHistory(t, sc, id)
			if len(evs) != 2 || evs[0].GetStatus() != sigWaiting || evs[1].GetStatus() != sigCancelled || !strings.Contains(evs[1].GetText(), reason) {
				t.Fatalf("history after cancel %v, want registered then CANCELLED with %q", evs, reason)
			}
			_, err = sc.CancelSigningOrder(ctx, connect.NewRequest(&svarsignv1.CancelSigningOrderRequest{ShipmentId: id, Reason: "igjen"}))
			if st.Code(err) != connect.CodeFailedPrecondition {
				t.Fatalf("second cancel: %v, want FailedPrecondition", err)
			}
			if evs := signingHistory(t, sc, id); len(evs) != 2 {
				t.Fatalf("second cancel added history: %v", evs)
			}
			if err := downloadSignedErr(sc, id); st.Code(err) != connect.CodeFailedPrecondition {
				t.Errorf("DownloadSignedDocument of a CANCELLED order: %v, want FailedPrecondition", err)
			}
		})
	}

	sc := srv.Signing(token, st.Connect)
	id := sendOK(t, srv.Shipments(token, st.Connect), signingSend(t, 1, time.Now().Add(14*24*time.Hour))).GetId()
	_, err := sc.CancelSigningOrder(ctx, connect.NewRequest(&svarsignv1.CancelSigningOrderRequest{ShipmentId: id, Reason: strings.Repeat("æ", 1001)}))
	wantOneViolation(t, err, "reason")
	_, err = sc.CancelSigningOrder(ctx, connect.NewRequest(&svarsignv1.CancelSigningOrderRequest{ShipmentId: "kontrakt-1"}))
	wantOneViolation(t, err, "shipment_id")
	if _, err := sc.CancelSigningOrder(ctx, connect.NewRequest(&svarsignv1.CancelSigningOrderRequest{ShipmentId: "5c0a5a52-8f1c-4a4f-9a57-3f3c2b1e2d10"})); st.Code(err) != connect.CodeNotFound {
		t.Errorf("cancel of an unknown shipment: %v, want NotFound", err)
	}
	if o := getOrder(t, sc, id); o.GetStatus() != sigWaiting {
		t.Fatalf("order changed by refused cancels: %v", o)
	}
	// A cancel with no reason still records who did it.
	if _, err := sc.CancelSigningOrder(ctx, connect.NewRequest(&svarsignv1.CancelSigningOrderRequest{ShipmentId: id})); err != nil {
		t.Fatal(err)
	}
	if evs := signingHistory(t, sc, id); len(evs) != 2 || evs[1].GetStatus() != sigCancelled || evs[1].GetText() == "" {
		t.Fatalf("history %v", evs)
	}
}

// TestSigningExpiry advances an injected clock past a deadline: the periodic
// sweep expires the order, leaves later and cancelled orders alone.
func TestSigningExpiry(t *testing.T) {
	t.Parallel()
	clk := st.NewClock(time.Now())
	srv := st.Start(t, withClock(clk, 100*time.Millisecond))
	token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	ctx := context.Background()
	c, sc := srv.Shipments(token, st.Connect), srv.Signing(token, st.Connect)
	now := clk.Now()
	soon := sendOK(t, c, signingSend(t, 0, now.Add(48*time.Hour))).GetId()
	later := sendOK(t, c, signingSend(t, 1, now.Add(30*24*time.Hour))).GetId()
	cancelled := sendOK(t, c, signingSend(t, 2, now.Add(48*time.Hour))).GetId()
	if _, err := sc.CancelSigningOrder(ctx, connect.NewRequest(&svarsignv1.CancelSigningOrderRequest{ShipmentId: cancelled, Reason: "trukket"})); err != nil {
		t.Fatal(err)
	}

	// A sweep runs before the deadline; nothing expires.
	srv.WaitJob(t, signingSweep, time.Now())
	for _, id := range []string{soon, later} {
		if o := getOrder(t, sc, id); o.GetStatus() != sigWaiting {
			t.Fatalf("order expired before its deadline: %v", o)
		}
	}

	clk.Advance(48*time.Hour + time.Minute)
	waitSigningStatus(t, srv, sc, soon, sigExpired)
	evs := signingHistory(t, sc, soon)
	if len(evs) != 2 || evs[1].GetStatus() != sigExpired || !strings.Contains(strings.ToLower(evs[1].GetText()), "deadline") {
		t.Fatalf("history of the expired order %v, want registered then EXPIRED", evs)
	}
	if s := signingStatusOf(t, c, soon); s != sigExpired {
		t.Errorf("GetStatuses signing_status %v, want EXPIRED", s)
	}
	if _, err := sc.CancelSigningOrder(ctx, connect.NewRequest(&svarsignv1.CancelSigningOrderRequest{ShipmentId: soon})); st.Code(err) != connect.CodeFailedPrecondition {
		t.Errorf("cancel of an expired order: %v, want FailedPrecondition", err)
	}

	srv.WaitJob(t, signingSweep, time.Now()) // another sweep past the first deadline
	if o := getOrder(t, sc, later); o.GetStatus() != sigWaiting {
		t.Errorf("order with a later deadline is %v, want WAITING", o.GetStatus())
	}
	if o := getOrder(t, sc, cancelled); o.GetStatus() != sigCancelled {
		t.Errorf("cancelled order is %v, want CANCELLED", o.GetStatus())
	}
	if evs := signingHistory(t, sc, cancelled); len(evs) != 2 || evs[1].GetStatus() != sigCancelled {
		t.Errorf("history of the cancelled order %v", evs)
	}
	if evs := signingHistory(t, sc, soon); len(evs) != 2 {
		t.Errorf("expired order got more history: %v", evs)
	}
	if got := listAllOrders(t, sc, &svarsignv1.ListSigningOrdersRequest{Statuses: []svarsignv1.SigningStatus{sigExpired}}); !slices.Equal(got, []string{soon}) {
		t.Errorf("EXPIRED orders %q, want [%s]", got, soon)
	}

	// The later one expires in its turn.
	clk.Advance(30 * 24 * time.Hour)
	waitSigningStatus(t, srv, sc, later, sigExpired)
	if o := getOrder(t, sc, cancelled); o.GetStatus() != sigCancelled {
		t.Errorf("cancelled order is %v after its deadline, want CANCELLED", o.GetStatus())
	}
}

// TestSigningExpiryAfterRestart: orders survive a restart on the same data
// folder and still expire, both ones overdue while the service was down and
// ones falling due after.
func TestSigningExpiryAfterRestart(t *testing.T) {
	t.Parallel()
	clk := st.NewClock(time.Now())
	dir := t.TempDir()
	ctx1, stop := context.WithCancel(context.Background())
	a, err := app.Open(ctx1, app.Config{
		Addr:            "127.0.0.1:0",
		DataDir:         dir,
		JobPollInterval: 50 * time.Millisecond,
		Logger:          slog.New(slog.DiscardHandler),
		Clock:           clk.Now,
		SweepInterval:   100 * time.Millisecond,
	})
	if err != nil {
		stop()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx1) }()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			stop()
			<-done
		}
	})
	first := &st.Server{App: a, URL: a.URL()}
	token := first.Org(t, st.OrgNumber(0), "Eksempel kommune")
	c := first.Shipments(token, st.Connect)
	now := clk.Now()
	overdue := sendOK(t, c, signingSend(t, 0, now.Add(48*time.Hour))).GetId()
	due := sendOK(t, c, signingSend(t, 1, now.Add(72*time.Hour))).GetId()

	stop()
	select {
	case err := <-done:
		stopped = true
		if err != nil {
			t.Fatalf("first server stopped with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("first server did not stop")
	}

	clk.Advance(50 * time.Hour) // while nothing runs
	srv := st.Start(t, withClock(clk, 100*time.Millisecond), func(cfg *app.Config) { cfg.DataDir = dir })
	sc := srv.Signing(token, st.Connect)
	waitSigningStatus(t, srv, sc, overdue, sigExpired)
	if o := getOrder(t, sc, due); o.GetStatus() != sigWaiting {
		t.Fatalf("order due later is %v after restart, want WAITING", o.GetStatus())
	}
	clk.Advance(23 * time.Hour)
	waitSigningStatus(t, srv, sc, due, sigExpired)
	for _, id := range []string{overdue, due} {
		if evs := signingHistory(t, sc, id); len(evs) != 2 || evs[1].GetStatus() != sigExpired {
			t.Errorf("history of %s after restart: %v", id, evs)
		}
	}
}

// TestSigningTenantIsolation: another organisation cannot see or touch an
// order by any SigningService RPC, nor through the JSON facade.
func TestSigningTenantIsolation(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	ctx := context.Background()
	tokenA := srv.Org(t, st.OrgNumber(0), "Kommune A")
	tokenB := srv.Org(t, st.OrgNumber(1), "Kommune B")
	deadline := time.Now().Add(14 * 24 * time.Hour)
	scA := srv.Signing(tokenA, st.Connect)
	idA := sendOK(t, srv.Shipments(tokenA, st.Connect), signingSend(t, 0, deadline)).GetId()
	idB := sendOK(t, srv.Shipments(tokenB, st.Connect), signingSend(t, 1, deadline)).GetId()
	before := getOrder(t, scA, idA)

	for _, p := range allProtocols {
		t.Run(string(p), func(t *testing.T) {
			sc := srv.Signing(tokenB, p)
			calls := map[string]error{}
			_, calls["GetSigningOrder"] = sc.GetSigningOrder(ctx, connect.NewRequest(&svarsignv1.GetSigningOrderRequest{ShipmentId: idA}))
			_, calls["GetSigningHistory"] = sc.GetSigningHistory(ctx, connect.NewRequest(&svarsignv1.GetSigningHistoryRequest{ShipmentId: idA}))
			_, calls["CancelSigningOrder"] = sc.CancelSigningOrder(ctx, connect.NewRequest(&svarsignv1.CancelSigningOrderRequest{ShipmentId: idA, Reason: "B prøver"}))
			calls["DownloadSignedDocument"] = downloadSignedErr(sc, idA)
			_, calls["GetEvidence"] = sc.GetEvidence(ctx, connect.NewRequest(&svarsignv1.GetEvidenceRequest{ShipmentId: idA}))
			for name, err := range calls {
				if st.Code(err) != connect.CodeNotFound {
					t.Errorf("B's %s of A's order: %v, want NotFound", name, err)
				}
			}
			if got := listAllOrders(t, sc, &svarsignv1.ListSigningOrdersRequest{}); !slices.Equal(got, []string{idB}) {
				t.Errorf("B's ListSigningOrders = %q, want only [%s]", got, idB)
			}
		})
	}
	if got := listAllOrders(t, scA, &svarsignv1.ListSigningOrdersRequest{}); !slices.Equal(got, []string{idA}) {
		t.Errorf("A's ListSigningOrders = %q, want only [%s]", got, idA)
	}
	if after := getOrder(t, scA, idA); !proto.Equal(before, after) {
		t.Fatalf("A's order changed by B's calls: %v → %v", before, after)
	}
	if evs := signingHistory(t, scA, idA); len(evs) != 1 {
		t.Fatalf("A's history changed by B's calls: %v", evs)
	}

	// The JSON facade.
	apiA := legacy{t: t, base: srv.URL, auth: bearerAuth(tokenA)}
	apiB := legacy{t: t, base: srv.URL, auth: bearerAuth(tokenB)}
	type jsonOrder struct {
		SigningOrder struct {
			Status        string `json:"status"`
			SignatureType string `json:"signatureType"`
			FileName      string `json:"fileName"`
			DocumentID    string `json:"documentId"`
			RequireLevel4 bool   `json:"requireLevel4"`
			ReplyTo       string `json:"replyTo"`
			Deadline      string `json:"deadline"`
		} `json:"signingOrder"`
		ShipmentID string `json:"shipmentId"`
	}
	var got jsonOrder
	apiA.call(http.MethodGet, "/v1/signing-orders/"+idA, nil, http.StatusOK, &got)
	if got.ShipmentID != idA || got.SigningOrder.Status != "SIGNING_STATUS_WAITING" || got.SigningOrder.FileName != "kontrakt.pdf" ||
		got.SigningOrder.SignatureType != "SIGNATURE_TYPE_AUTHENTICATED" || !got.SigningOrder.RequireLevel4 ||
		got.SigningOrder.ReplyTo != st.OrgNumber(0) || got.SigningOrder.DocumentID != before.GetDocumentId() {
		t.Fatalf("GET /v1/signing-orders/%s = %+v", idA, got)
	}
	if dl, err := time.Parse(time.RFC3339Nano, got.SigningOrder.Deadline); err != nil || !dl.Equal(deadline.Truncate(time.Microsecond)) {
		t.Errorf("JSON deadline %q, want %v", got.SigningOrder.Deadline, deadline)
	}
	for _, path := range []string{"/v1/signing-orders/" + idA, "/v1/signing-orders/" + idA + "/history", "/v1/signing-orders/" + idA + "/evidence"} {
		if status, _, body := apiB.do(http.MethodGet, path, "", nil); status != http.StatusNotFound {
			t.Errorf("B: GET %s = %d %s, want 404", path, status, body)
		}
	}
	if status, _, body := apiB.do(http.MethodPost, "/v1/signing-orders/"+idA+":cancel", "application/json", strings.NewReader(`{"reason":"B"}`)); status != http.StatusNotFound {
		t.Errorf("B: POST :cancel = %d %s, want 404", status, body)
	}
	var list struct {
		SigningOrders []struct {
			ShipmentID string `json:"shipmentId"`
		} `json:"signingOrders"`
	}
	apiB.call(http.MethodGet, "/v1/signing-orders", nil, http.StatusOK, &list)
	if len(list.SigningOrders) != 1 || list.SigningOrders[0].ShipmentID != idB {
		t.Errorf("B: GET /v1/signing-orders = %+v, want only %s", list, idB)
	}
	var hist struct {
		Events []struct {
			Status string `json:"status"`
			Text   string `json:"text"`
		} `json:"events"`
	}
	apiA.call(http.MethodGet, "/v1/signing-orders/"+idA+"/history", nil, http.StatusOK, &hist)
	if len(hist.Events) != 1 || hist.Events[0].Status != "SIGNING_STATUS_WAITING" {
		t.Errorf("A: history = %+v", hist)
	}
	if status, _, body := apiA.do(http.MethodGet, "/v1/signing-orders/"+idA+"/evidence", "", nil); status != http.StatusBadRequest {
		t.Errorf("A: GET evidence of a WAITING order = %d %s, want 400 (FailedPrecondition)", status, body)
	}
	if o := getOrder(t, scA, idA); o.GetStatus() != sigWaiting {
		t.Fatalf("A's order is %v after B's JSON calls", o.GetStatus())
	}

	var cancelled struct {
		SigningOrder struct {
			Status string `json:"status"`
		} `json:"signingOrder"`
	}
	apiA.call(http.MethodPost, "/v1/signing-orders/"+idA+":cancel", map[string]any{"reason": "Trukket via JSON"}, http.StatusOK, &cancelled)
	if cancelled.SigningOrder.Status != "SIGNING_STATUS_CANCELLED" {
		t.Fatalf("POST :cancel = %+v", cancelled)
	}
	if evs := signingHistory(t, scA, idA); len(evs) != 2 || !strings.Contains(evs[1].GetText(), "Trukket via JSON") {
		t.Fatalf("history after JSON cancel: %v", evs)
	}
	if status, _, body := apiA.do(http.MethodPost, "/v1/signing-orders/"+idA+":cancel", "application/json", strings.NewReader(`{}`)); status != http.StatusBadRequest {
		t.Errorf("second JSON cancel = %d %s, want 400 (FailedPrecondition)", status, body)
	}
	if o := getOrder(t, srv.Signing(tokenB, st.Connect), idB); o.GetStatus() != sigWaiting {
		t.Errorf("B's own order is %v, want WAITING", o.GetStatus())
	}
}

// TestSigningExpiryClockZone: the service clock may run in any time zone
// (time.Now is local time); an order is due when its deadline has passed,
// whatever the zone of the clock.
func TestSigningExpiryClockZone(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"America/New_York", "Europe/Oslo"} {
		t.Run(name, func(t *testing.T) {
			zone, err := time.LoadLocation(name)
			if err != nil {
				t.Skipf("no time zone data: %v", err)
			}
			clk := st.NewClock(time.Now().In(zone))
			srv := st.Start(t, withClock(clk, 100*time.Millisecond))
			token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
			c, sc := srv.Shipments(token, st.Connect), srv.Signing(token, st.Connect)
			id := sendOK(t, c, signingSend(t, 0, clk.Now().Add(48*time.Hour))).GetId()
			clk.Advance(48*time.Hour + time.Minute)
			waitSigningStatus(t, srv, sc, id, sigExpired)
		})
	}
}

// TestSigningOrderIdempotentRetry: a retried send with a signing order
// answers the first shipment and registers no second order or expiry job.
func TestSigningOrderIdempotentRetry(t *testing.T) {
	t.Parallel()
	srv := startTrackedServer(t)
	c := srv.Shipments(srv.Org(t, st.OrgNumber(0), "Eksempel kommune"), st.Connect)
	req := signingSend(t, 0, time.Now().Add(14*24*time.Hour))
	req.IdempotencyKey = "kontrakt-42"
	first := sendOK(t, c, req)
	again := sendOK(t, c, req)
	if again.GetId() != first.GetId() || !proto.Equal(again.GetSigningOrder(), first.GetSigningOrder()) {
		t.Fatalf("retry answered %v, first send %v", again.GetSigningOrder(), first.GetSigningOrder())
	}
	if got := srv.signingStored(t); got.Shipments != 1 || got.SigningOrders != 1 || got.SigningEvents != 1 || got.ExpireJobs != 1 || got.Blobs != 2 {
		t.Fatalf("after a retried send the server holds %+v", got)
	}
}
