package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/gen/go/svarsign/v1/svarsignv1connect"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/database/databasetest"
	"github.com/svarsign/svarsign/server/domain"
)

var allProtocols = []st.Protocol{st.GRPC, st.Connect, st.GRPCWeb}

// trackedServer is a running svarsign whose data folder the test knows, so it
// can look at the stored blobs.
type trackedServer struct {
	*st.Server
	dataDir string
}

func startTrackedServer(t *testing.T, mods ...func(*app.Config)) *trackedServer {
	t.Helper()
	var dir string
	srv := st.Start(t, append(mods, func(c *app.Config) { dir = c.DataDir })...)
	if dir == "" {
		t.Fatal("st.Start did not pass a DataDir to the config hook")
	}
	return &trackedServer{Server: srv, dataDir: dir}
}

// stored counts what the server has persisted: rows and blob files.
type storedCounts struct {
	Shipments, Documents, Events, Blobs int
}

func (s *trackedServer) stored(t *testing.T) storedCounts {
	t.Helper()
	ctx := databasetest.Context(t)
	db := s.App.DB().Ent
	var out storedCounts
	var err error
	if out.Shipments, err = db.Shipment.Query().Count(ctx); err != nil {
		t.Fatal(err)
	}
	if out.Documents, err = db.Document.Query().Count(ctx); err != nil {
		t.Fatal(err)
	}
	if out.Events, err = db.ShipmentEvent.Query().Count(ctx); err != nil {
		t.Fatal(err)
	}
	out.Blobs = len(s.blobFiles(t))
	return out
}

// blobFiles lists every regular file under DataDir/blobs.
func (s *trackedServer) blobFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	root := filepath.Join(s.dataDir, "blobs")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			files = append(files, path)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return files
}

// listed returns the shipments ListShipments shows the caller.
func listShipmentsOf(t *testing.T, c svarsignv1connect.ShipmentServiceClient) []*svarsignv1.Shipment {
	t.Helper()
	resp, err := c.ListShipments(context.Background(), connect.NewRequest(&svarsignv1.ListShipmentsRequest{}))
	if err != nil {
		t.Fatalf("ListShipments: %v", err)
	}
	return resp.Msg.GetShipments()
}

// validSend is a request that passes every rule: a person recipient and one
// inline PDF.
func validSendRequest() *svarsignv1.SendShipmentRequest {
	return &svarsignv1.SendShipmentRequest{
		Title:        "Vedtak om byggesak",
		Recipient:    personRecipient(0),
		SenderSystem: "Sak 1.0",
		ExternalRef:  "sak-2026-42",
		Documents: []*svarsignv1.DocumentSpec{{
			FileName: "vedtak.pdf", MimeType: "application/pdf", Content: []byte("%PDF-1.4\n% vedtak\n"),
			Metadata: map[string]string{"type": "vedtak"},
		}},
		ArchiveMetadata: &svarsignv1.ArchiveMetadata{CaseYear: 2026, CaseSequence: 42, DocumentDate: "2026-11-25"},
	}
}

// fieldViolations returns the google.rpc.BadRequest field violations of an
// InvalidArgument error, failing the test if err is anything else.
func fieldViolations(t *testing.T, err error) []*errdetails.BadRequest_FieldViolation {
	t.Helper()
	if st.Code(err) != connect.CodeInvalidArgument {
		t.Fatalf("error %v has code %v, want InvalidArgument", err, st.Code(err))
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is not a *connect.Error", err)
	}
	for _, d := range ce.Details() {
		v, derr := d.Value()
		if derr != nil {
			t.Fatalf("decoding error detail %s: %v", d.Type(), derr)
		}
		if br, ok := v.(*errdetails.BadRequest); ok {
			return br.GetFieldViolations()
		}
	}
	t.Fatalf("error %v carries no google.rpc.BadRequest detail", err)
	return nil
}

func violationFields(vs []*errdetails.BadRequest_FieldViolation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.GetField())
	}
	return out
}

// wantOneViolation checks that err is InvalidArgument with exactly one field
// violation, on field, with a description.
func wantOneViolation(t *testing.T, err error, field string) {
	t.Helper()
	vs := fieldViolations(t, err)
	if len(vs) != 1 || vs[0].GetField() != field {
		t.Fatalf("field violations %q, want exactly [%q] (error: %v)", violationFields(vs), field, err)
	}
	if vs[0].GetDescription() == "" {
		t.Errorf("violation of %s has no description", field)
	}
}

func uploadBytes(ctx context.Context, c svarsignv1connect.ShipmentServiceClient, h *svarsignv1.UploadDocumentHeader, data []byte) (*svarsignv1.Document, error) {
	up := c.UploadDocument(ctx)
	// A Send error (io.EOF) means the server already answered; CloseAndReceive says how.
	if err := up.Send(&svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Header{Header: h}}); err == nil && len(data) > 0 {
		_ = up.Send(&svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Chunk{Chunk: data}})
	}
	resp, err := up.CloseAndReceive()
	if err != nil {
		return nil, err
	}
	return resp.Msg.GetDocument(), nil
}

func reserveShipment(t *testing.T, c svarsignv1connect.ShipmentServiceClient) string {
	t.Helper()
	resp, err := c.StartShipment(context.Background(), connect.NewRequest(&svarsignv1.StartShipmentRequest{}))
	if err != nil {
		t.Fatalf("StartShipment: %v", err)
	}
	return resp.Msg.GetShipmentId()
}

func withDoc(name string) func(*svarsignv1.SendShipmentRequest) {
	return func(r *svarsignv1.SendShipmentRequest) { r.Documents[0].FileName = name }
}

// invalidSends are requests that each break exactly one rule of a send
// (README, "Limits"; server/domain), with the field the violation must name.
var invalidSends = []struct {
	name  string
	field string
	mod   func(*svarsignv1.SendShipmentRequest)
}{
	{"title missing", "title", func(r *svarsignv1.SendShipmentRequest) { r.Title = "" }},
	{"title only spaces", "title", func(r *svarsignv1.SendShipmentRequest) { r.Title = "  \t " }},
	{"title 1001 chars", "title", func(r *svarsignv1.SendShipmentRequest) { r.Title = strings.Repeat("æ", 1001) }},
	{"person number check digit", "recipient.national_identity_number", func(r *svarsignv1.SendShipmentRequest) {
		p := st.Person(0)
		last := (p[10]-'0'+1)%10 + '0'
		r.Recipient.Identity = &svarsignv1.Recipient_NationalIdentityNumber{NationalIdentityNumber: p[:10] + string(rune(last))}
	}},
	{"person number 10 digits", "recipient.national_identity_number", func(r *svarsignv1.SendShipmentRequest) {
		r.Recipient.Identity = &svarsignv1.Recipient_NationalIdentityNumber{NationalIdentityNumber: st.Person(0)[:10]}
	}},
	{"organisation number check digit", "recipient.organization_number", func(r *svarsignv1.SendShipmentRequest) {
		o := st.OrgNumber(3)
		last := (o[8]-'0'+1)%10 + '0'
		r.Recipient.Identity = &svarsignv1.Recipient_OrganizationNumber{OrganizationNumber: o[:8] + string(rune(last))}
	}},
	{"no recipient", "recipient", func(r *svarsignv1.SendShipmentRequest) { r.Recipient = nil }},
	{"recipient without identity", "recipient.identity", func(r *svarsignv1.SendShipmentRequest) { r.Recipient.Identity = nil }},
	{"no documents", "documents", func(r *svarsignv1.SendShipmentRequest) { r.Documents = nil }},
	{`file name with "`, "documents[0].file_name", withDoc(`a"b.pdf`)},
	{"file name with <", "documents[0].file_name", withDoc("a<b.pdf")},
	{"file name with >", "documents[0].file_name", withDoc("a>b.pdf")},
	{"file name with ?", "documents[0].file_name", withDoc("hva?.pdf")},
	{"file name with *", "documents[0].file_name", withDoc("a*.pdf")},
	{"file name with |", "documents[0].file_name", withDoc("a|b.pdf")},
	{"file name with :", "documents[0].file_name", withDoc("C:vedtak.pdf")},
	{`file name with \`, "documents[0].file_name", withDoc(`mappe\vedtak.pdf`)},
	{"file name with /", "documents[0].file_name", withDoc("mappe/vedtak.pdf")},
	{"file name 227 chars", "documents[0].file_name", withDoc(strings.Repeat("ø", 223) + ".pdf")},
	{"second file name missing", "documents[1].file_name", func(r *svarsignv1.SendShipmentRequest) {
		r.Documents = append(r.Documents, &svarsignv1.DocumentSpec{MimeType: "text/plain", Content: []byte("x")})
	}},
	{"file names equal but for case", "documents[1].file_name", func(r *svarsignv1.SendShipmentRequest) {
		r.Documents = append(r.Documents, &svarsignv1.DocumentSpec{FileName: "VEDTAK.Pdf", MimeType: "application/pdf", Content: []byte("%PDF-1.4\n")})
	}},
	{"21 metadata entries", "documents[0].metadata", func(r *svarsignv1.SendShipmentRequest) {
		m := map[string]string{}
		for i := range 21 {
			m[string(rune('a'+i))] = "v"
		}
		r.Documents[0].Metadata = m
	}},
	{"metadata value 1001 chars", `documents[0].metadata["merknad"]`, func(r *svarsignv1.SendShipmentRequest) {
		r.Documents[0].Metadata = map[string]string{"merknad": strings.Repeat("x", 1001)}
	}},
	{"external_ref 101 chars", "external_ref", func(r *svarsignv1.SendShipmentRequest) { r.ExternalRef = strings.Repeat("r", 101) }},
	{"sender_system 101 chars", "sender_system", func(r *svarsignv1.SendShipmentRequest) { r.SenderSystem = strings.Repeat("s", 101) }},
	{"idempotency_key 101 chars", "idempotency_key", func(r *svarsignv1.SendShipmentRequest) { r.IdempotencyKey = strings.Repeat("k", 101) }},
	{"reply_to not an organisation number", "reply_to", func(r *svarsignv1.SendShipmentRequest) { r.ReplyTo = "12345678" }},
	{"in_reply_to not a UUID", "in_reply_to", func(r *svarsignv1.SendShipmentRequest) { r.InReplyTo = "forsendelse-1" }},
	{"batch_id not a UUID", "batch_id", func(r *svarsignv1.SendShipmentRequest) { r.BatchId = "batch-1" }},
	{"shipment_id not a UUID", "shipment_id", func(r *svarsignv1.SendShipmentRequest) { r.ShipmentId = "not-a-uuid" }},
	{"document_date not ISO", "archive_metadata.document_date", func(r *svarsignv1.SendShipmentRequest) { r.ArchiveMetadata.DocumentDate = "25.11.2026" }},
	{"Norwegian postal code 3 digits", "recipient.postal_address.postal_code", func(r *svarsignv1.SendShipmentRequest) { r.Recipient.PostalAddress.PostalCode = "123" }},
	{"4 address lines", "recipient.postal_address.lines", func(r *svarsignv1.SendShipmentRequest) {
		r.Recipient.PostalAddress.Lines = []string{"c/o Hansen", "Storgata 1", "Oppgang B", "3. etasje"}
	}},
	{"inline content without MIME type", "documents[0].mime_type", func(r *svarsignv1.SendShipmentRequest) { r.Documents[0].MimeType = "" }},
	{"MIME type without slash", "documents[0].mime_type", func(r *svarsignv1.SendShipmentRequest) { r.Documents[0].MimeType = "pdf" }},
	{"no content and no shipment_id", "documents[0].content", func(r *svarsignv1.SendShipmentRequest) { r.Documents[0].Content = nil }},
	{"sign without signing order", "documents[0].sign", func(r *svarsignv1.SendShipmentRequest) { r.Documents[0].Sign = true }},
	{"negative case year", "archive_metadata.case_year", func(r *svarsignv1.SendShipmentRequest) { r.ArchiveMetadata.CaseYear = -1 }},
}

// TestSendValidation sends requests that each break one rule, over every
// protocol, and checks the answer names the field and nothing was stored.
func TestSendValidation(t *testing.T) {
	t.Parallel()
	srv := startTrackedServer(t)
	token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	ctx := context.Background()
	if len(invalidSends) < 20 {
		t.Fatalf("only %d cases", len(invalidSends))
	}
	for _, tc := range invalidSends {
		t.Run(tc.name, func(t *testing.T) {
			for _, p := range allProtocols {
				c := srv.Shipments(token, p)
				req := validSendRequest()
				tc.mod(req)
				_, err := c.SendShipment(ctx, connect.NewRequest(req))
				if err == nil {
					t.Fatalf("%s: send was accepted", p)
				}
				t.Run(string(p), func(t *testing.T) { wantOneViolation(t, err, tc.field) })
				if got := listShipmentsOf(t, c); len(got) != 0 {
					t.Fatalf("%s: ListShipments shows %d shipments after a rejected send", p, len(got))
				}
				if got := srv.stored(t); got != (storedCounts{}) {
					t.Fatalf("%s: after a rejected send the server holds %+v, want nothing (blobs %q)", p, got, srv.blobFiles(t))
				}
			}
		})
	}

	// The base request itself is valid, so each case above failed for its one change.
	resp, err := srv.Shipments(token, st.Connect).SendShipment(ctx, connect.NewRequest(validSendRequest()))
	if err != nil {
		t.Fatalf("the unmodified request was rejected: %v", err)
	}
	if got := srv.stored(t); got.Shipments != 1 || got.Documents != 1 || got.Blobs != 1 {
		t.Fatalf("after one valid send the server holds %+v", got)
	}
	if resp.Msg.GetShipment().GetStatus() != svarsignv1.ShipmentStatus_SHIPMENT_STATUS_RECEIVED {
		t.Fatalf("valid send answered %v", resp.Msg.GetShipment())
	}
}

// TestSendValidationLimitsAccepted sends values exactly at each limit: they
// must pass, so the limits are not off by one.
func TestSendValidationLimitsAccepted(t *testing.T) {
	t.Parallel()
	srv := startTrackedServer(t)
	c := srv.Shipments(srv.Org(t, st.OrgNumber(0), "Eksempel kommune"), st.Connect)
	req := validSendRequest()
	req.Title = strings.Repeat("t", 1000)
	req.ExternalRef = strings.Repeat("r", 100)
	req.SenderSystem = strings.Repeat("s", 100)
	req.IdempotencyKey = strings.Repeat("k", 100)
	req.Recipient.PostalAddress.Lines = []string{"c/o Hansen", "Storgata 1", "Oppgang B"}
	req.Documents[0].FileName = strings.Repeat("ø", 222) + ".pdf" // 226
	m := map[string]string{}
	for i := range 20 {
		m[string(rune('a'+i))] = strings.Repeat("v", 1000)
	}
	req.Documents[0].Metadata = m
	req.Documents = append(req.Documents, &svarsignv1.DocumentSpec{FileName: "vedlegg (1) æøå.txt", MimeType: "text/plain", Content: []byte("vedlegg")})
	req.ReplyTo = st.OrgNumber(5)
	req.InReplyTo = "5c0a5a52-8f1c-4a4f-9a57-3f3c2b1e2d10"
	req.BatchId = "0d9b5f0e-7a41-4b7c-a0e3-9a2b8e6c4f11"
	resp, err := c.SendShipment(context.Background(), connect.NewRequest(req))
	if err != nil {
		t.Fatalf("a request at every limit was rejected: %v", err)
	}
	sh := resp.Msg.GetShipment()
	if sh.GetTitle() != req.Title || len(sh.GetDocuments()) != 2 || sh.GetDocuments()[0].GetFileName() != req.Documents[0].FileName || len(sh.GetDocuments()[0].GetMetadata()) != 20 {
		t.Fatalf("stored shipment differs from the request: title %d chars, documents %v", len(sh.GetTitle()), sh.GetDocuments())
	}

	// An organisation recipient is as valid as a person.
	org := validSendRequest()
	org.Recipient = &svarsignv1.Recipient{Identity: &svarsignv1.Recipient_OrganizationNumber{OrganizationNumber: st.OrgNumber(7)}, Name: "Mottaker AS"}
	if _, err := c.SendShipment(context.Background(), connect.NewRequest(org)); err != nil {
		t.Fatalf("send to an organisation was rejected: %v", err)
	}
}

// TestSendTitleLimitCountsCharacters: the limit of 1000 counts characters
// (domain.MaxTitleLen, "Lengths count characters ... not bytes"), so 1000
// Norwegian letters must be accepted like 1000 ASCII letters.
func TestSendTitleLimitCountsCharacters(t *testing.T) {
	t.Parallel()
	srv := startTrackedServer(t)
	c := srv.Shipments(srv.Org(t, st.OrgNumber(0), "Eksempel kommune"), st.Connect)
	req := validSendRequest()
	req.Title = strings.Repeat("æ", 1000)
	resp, err := c.SendShipment(context.Background(), connect.NewRequest(req))
	if err != nil {
		t.Fatalf("a title of 1000 characters (2000 bytes) was rejected: %v", err)
	}
	if resp.Msg.GetShipment().GetTitle() != req.Title {
		t.Fatalf("title stored as %d bytes", len(resp.Msg.GetShipment().GetTitle()))
	}
}

// TestSendValidationReportsEveryProblem breaks three rules at once.
func TestSendValidationReportsEveryProblem(t *testing.T) {
	t.Parallel()
	srv := startTrackedServer(t)
	token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	for _, p := range allProtocols {
		req := validSendRequest()
		req.Title = ""
		req.ReplyTo = "not-an-org"
		req.Documents[0].FileName = "a:b.pdf"
		_, err := srv.Shipments(token, p).SendShipment(context.Background(), connect.NewRequest(req))
		got := violationFields(fieldViolations(t, err))
		slices.Sort(got)
		want := []string{"documents[0].file_name", "reply_to", "title"}
		if !slices.Equal(got, want) {
			t.Fatalf("%s: violations on %q, want %q", p, got, want)
		}
	}
	if got := srv.stored(t); got != (storedCounts{}) {
		t.Fatalf("server holds %+v after rejected sends", got)
	}
}

// TestSendValidationJSON sends a bad request to the JSON facade and expects
// HTTP 400 with the same BadRequest detail.
func TestSendValidationJSON(t *testing.T) {
	t.Parallel()
	srv := startTrackedServer(t)
	token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	for _, tc := range []struct {
		name, field string
		body        map[string]any
	}{
		{"title missing", "title", map[string]any{
			"recipient": map[string]any{"nationalIdentityNumber": st.Person(0)},
			"documents": []any{map[string]any{"fileName": "brev.pdf", "mimeType": "application/pdf", "content": base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n"))}},
		}},
		{"bad file name", "documents[0].file_name", map[string]any{
			"title":     "Vedtak",
			"recipient": map[string]any{"nationalIdentityNumber": st.Person(0)},
			"documents": []any{map[string]any{"fileName": "a|b.pdf", "mimeType": "application/pdf", "content": base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n"))}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := json.Marshal(tc.body)
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/v1/shipments", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			wantFacadeViolation(t, resp.StatusCode, raw, tc.field)
		})
	}
	if got := srv.stored(t); got != (storedCounts{}) {
		t.Fatalf("server holds %+v after rejected JSON sends", got)
	}
}

// TestSendMissingUpload refers to a document that was never uploaded to the
// reserved shipment: the send is refused, the DRAFT stays a DRAFT with
// nothing attached, and a correct send afterwards succeeds.
func TestSendMissingUpload(t *testing.T) {
	t.Parallel()
	srv := startTrackedServer(t)
	ctx := context.Background()
	c := srv.Shipments(srv.Org(t, st.OrgNumber(0), "Eksempel kommune"), st.Connect)
	id := reserveShipment(t, c)

	checkDraft := func(t *testing.T) {
		t.Helper()
		if got := srv.stored(t); got != (storedCounts{Shipments: 1}) {
			t.Fatalf("server holds %+v, want only the DRAFT row (blobs %q)", got, srv.blobFiles(t))
		}
		rows, err := srv.App.DB().Ent.Shipment.Query().All(databasetest.Context(t))
		if err != nil {
			t.Fatal(err)
		}
		if rows[0].ID.String() != id || rows[0].Status != domain.StatusDraft || rows[0].Title != "" || rows[0].SentAt != nil {
			t.Fatalf("reserved row changed: %+v", rows[0])
		}
		if got := listShipmentsOf(t, c); len(got) != 0 {
			t.Fatalf("ListShipments shows %d shipments", len(got))
		}
	}

	req := validSendRequest()
	req.ShipmentId = id
	req.Documents = []*svarsignv1.DocumentSpec{{FileName: "vedlegg.pdf"}}
	_, err := c.SendShipment(ctx, connect.NewRequest(req))
	wantOneViolation(t, err, "documents[0].file_name")
	checkDraft(t)

	// With an inline document before it, the inline bytes must not stay behind either.
	req = validSendRequest()
	req.ShipmentId = id
	req.Documents = append(req.Documents, &svarsignv1.DocumentSpec{FileName: "vedlegg.pdf"})
	_, err = c.SendShipment(ctx, connect.NewRequest(req))
	wantOneViolation(t, err, "documents[1].file_name")
	checkDraft(t)

	// Now upload it and send again.
	attachment := []byte("%PDF-1.4\n% vedlegg\n")
	if _, err := uploadBytes(ctx, c, &svarsignv1.UploadDocumentHeader{ShipmentId: id, FileName: "Vedlegg.pdf", MimeType: "application/pdf"}, attachment); err != nil {
		t.Fatalf("UploadDocument: %v", err)
	}
	resp, err := c.SendShipment(ctx, connect.NewRequest(req))
	if err != nil {
		t.Fatalf("send after the upload: %v", err)
	}
	sh := resp.Msg.GetShipment()
	if sh.GetId() != id || sh.GetStatus() != svarsignv1.ShipmentStatus_SHIPMENT_STATUS_RECEIVED || len(sh.GetDocuments()) != 2 {
		t.Fatalf("sent shipment %s %v with %d documents, want %s RECEIVED with 2", sh.GetId(), sh.GetStatus(), len(sh.GetDocuments()), id)
	}
	if d := sh.GetDocuments()[1]; d.GetSha256() != sha(attachment) || d.GetSizeBytes() != int64(len(attachment)) {
		t.Fatalf("uploaded document stored as %v", d)
	}
	if got := srv.stored(t); got.Shipments != 1 || got.Documents != 2 || got.Blobs != 2 {
		t.Fatalf("after the send the server holds %+v, want 1 shipment, 2 documents, 2 blobs", got)
	}
}

// TestUploadHeaderValidation checks the rules on the upload header and that a sent
// shipment takes no more uploads.
func TestUploadHeaderValidation(t *testing.T) {
	t.Parallel()
	srv := startTrackedServer(t)
	ctx := context.Background()
	token := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	for _, p := range allProtocols {
		t.Run(string(p), func(t *testing.T) {
			c := srv.Shipments(token, p)
			id := reserveShipment(t, c)
			for _, tc := range []struct {
				name, field string
				h           *svarsignv1.UploadDocumentHeader
			}{
				{"bad file name", "header.file_name", &svarsignv1.UploadDocumentHeader{ShipmentId: id, FileName: "a/b.pdf", MimeType: "application/pdf"}},
				{"empty file name", "header.file_name", &svarsignv1.UploadDocumentHeader{ShipmentId: id, MimeType: "application/pdf"}},
				{"file name 227 chars", "header.file_name", &svarsignv1.UploadDocumentHeader{ShipmentId: id, FileName: strings.Repeat("x", 223) + ".pdf", MimeType: "application/pdf"}},
				{"missing MIME type", "header.mime_type", &svarsignv1.UploadDocumentHeader{ShipmentId: id, FileName: "brev.pdf"}},
				{"shipment id not a UUID", "header.shipment_id", &svarsignv1.UploadDocumentHeader{ShipmentId: "not-a-uuid", FileName: "brev.pdf", MimeType: "application/pdf"}},
			} {
				_, err := uploadBytes(ctx, c, tc.h, []byte("%PDF-1.4\n"))
				if err == nil {
					t.Fatalf("%s: upload accepted", tc.name)
				}
				wantOneViolation(t, err, tc.field)
			}
			if got := srv.stored(t); got.Documents != 0 || got.Blobs != 0 {
				t.Fatalf("rejected uploads left %+v", got)
			}
		})
	}

	// A shipment that was sent takes no more uploads.
	c := srv.Shipments(token, st.Connect)
	id := reserveShipment(t, c)
	if _, err := uploadBytes(ctx, c, &svarsignv1.UploadDocumentHeader{ShipmentId: id, FileName: "vedlegg.txt", MimeType: "text/plain"}, []byte("vedlegg")); err != nil {
		t.Fatal(err)
	}
	req := validSendRequest()
	req.ShipmentId = id
	req.Documents = append(req.Documents, &svarsignv1.DocumentSpec{FileName: "vedlegg.txt"})
	if _, err := c.SendShipment(ctx, connect.NewRequest(req)); err != nil {
		t.Fatal(err)
	}
	before := srv.stored(t)
	for _, p := range allProtocols {
		for _, name := range []string{"ny.txt", "vedlegg.txt"} {
			_, err := uploadBytes(ctx, srv.Shipments(token, p), &svarsignv1.UploadDocumentHeader{ShipmentId: id, FileName: name, MimeType: "text/plain"}, []byte("for sent"))
			if st.Code(err) != connect.CodeFailedPrecondition {
				t.Fatalf("%s: upload %s to a sent shipment: %v, want FailedPrecondition", p, name, err)
			}
		}
	}
	if after := srv.stored(t); after.Documents != before.Documents || after.Blobs != before.Blobs {
		t.Fatalf("uploads to a sent shipment changed storage from %+v to %+v", before, after)
	}
	got, err := c.GetShipment(ctx, connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: id}))
	if err != nil {
		t.Fatal(err)
	}
	if docs := got.Msg.GetShipment().GetDocuments(); len(docs) != 2 || docs[1].GetSha256() != sha([]byte("vedlegg")) {
		t.Fatalf("documents of the sent shipment changed: %v", docs)
	}
}
