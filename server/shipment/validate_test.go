package shipment

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/server/domain"
)

// Valid numbers, as internal/svarsigntest makes them (that package
// imports this one, so a test here cannot use it).
const (
	testPerson = "14038510070"
	testOrg    = "910000004"
	testOrg2   = "910000012"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// validSend is a request that breaks no rule: one inline document to a
// person.
func validSend() *svarsignv1.SendShipmentRequest {
	return &svarsignv1.SendShipmentRequest{
		Title: "Vedtak",
		Recipient: &svarsignv1.Recipient{
			Identity: &svarsignv1.Recipient_NationalIdentityNumber{NationalIdentityNumber: testPerson},
		},
		Documents: []*svarsignv1.DocumentSpec{
			{FileName: "vedtak.pdf", MimeType: pdfMIME, Content: []byte("%PDF-1.7")},
		},
	}
}

// validSigning is validSend with a signing order of its document.
func validSigning() *svarsignv1.SendShipmentRequest {
	r := validSend()
	r.Documents[0].Sign = true
	r.SigningOrder = &svarsignv1.SigningOrder{
		SignatureType: svarsignv1.SignatureType_SIGNATURE_TYPE_ADVANCED,
		Deadline:      timestamppb.New(testNow.Add(7 * 24 * time.Hour)),
	}
	return r
}

func toOrg(r *svarsignv1.SendShipmentRequest) {
	r.Recipient.Identity = &svarsignv1.Recipient_OrganizationNumber{OrganizationNumber: testOrg}
}

func docs(n int) []*svarsignv1.DocumentSpec {
	out := make([]*svarsignv1.DocumentSpec, n)
	for i := range out {
		out[i] = &svarsignv1.DocumentSpec{FileName: "d" + strings.Repeat("x", i) + ".txt", MimeType: "text/plain", Content: []byte("x")}
	}
	return out
}

// TestValidateSend breaks each rule of validateSend once, on a request
// that is otherwise valid, and expects exactly that one violation.
func TestValidateSend(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n+1) }
	tests := []struct {
		name   string
		base   func() *svarsignv1.SendShipmentRequest
		break_ func(*svarsignv1.SendShipmentRequest)
		field  string
		reason domain.Reason
	}{
		{"shipment_id not a UUID", validSend, func(r *svarsignv1.SendShipmentRequest) { r.ShipmentId = "42" }, "shipment_id", domain.ReasonNotUUID},
		{"idempotency_key too long", validSend, func(r *svarsignv1.SendShipmentRequest) { r.IdempotencyKey = long(domain.MaxIdempotencyKeyLen) }, "idempotency_key", domain.ReasonTooLong},
		{"batch_id not a UUID", validSend, func(r *svarsignv1.SendShipmentRequest) { r.BatchId = "batch" }, "batch_id", domain.ReasonNotUUID},
		{"title missing", validSend, func(r *svarsignv1.SendShipmentRequest) { r.Title = "" }, "title", domain.ReasonRequired},
		{"title blank", validSend, func(r *svarsignv1.SendShipmentRequest) { r.Title = " \t " }, "title", domain.ReasonRequired},
		{"title too long", validSend, func(r *svarsignv1.SendShipmentRequest) { r.Title = long(domain.MaxTitleLen) }, "title", domain.ReasonTooLong},
		{"sender_system too long", validSend, func(r *svarsignv1.SendShipmentRequest) { r.SenderSystem = long(domain.MaxSenderSystemLen) }, "sender_system", domain.ReasonTooLong},
		{"external_ref too long", validSend, func(r *svarsignv1.SendShipmentRequest) { r.ExternalRef = long(domain.MaxExternalRefLen) }, "external_ref", domain.ReasonTooLong},

		{"recipient missing", validSend, func(r *svarsignv1.SendShipmentRequest) { r.Recipient = nil }, "recipient", domain.ReasonRequired},
		{"recipient identity missing", validSend, func(r *svarsignv1.SendShipmentRequest) { r.Recipient.Identity = nil }, "recipient.identity", domain.ReasonRequired},
		{"recipient person number", validSend, func(r *svarsignv1.SendShipmentRequest) {
			r.Recipient.Identity = &svarsignv1.Recipient_NationalIdentityNumber{NationalIdentityNumber: "14038510071"}
		}, "recipient.national_identity_number", domain.ReasonInvalidIdentityNumber},
		{"recipient organisation number", validSend, func(r *svarsignv1.SendShipmentRequest) {
			r.Recipient.Identity = &svarsignv1.Recipient_OrganizationNumber{OrganizationNumber: "910000005"}
		}, "recipient.organization_number", domain.ReasonInvalidOrganizationNumber},
		{"recipient name too long", validSend, func(r *svarsignv1.SendShipmentRequest) { r.Recipient.Name = long(domain.MaxRecipientNameLen) }, "recipient.name", domain.ReasonTooLong},
		{"address too many lines", validSend, func(r *svarsignv1.SendShipmentRequest) {
			r.Recipient.PostalAddress = &svarsignv1.PostalAddress{Lines: []string{"a", "b", "c", "d"}}
		}, "recipient.postal_address.lines", domain.ReasonTooMany},
		{"address line too long", validSend, func(r *svarsignv1.SendShipmentRequest) {
			r.Recipient.PostalAddress = &svarsignv1.PostalAddress{Lines: []string{"a", long(domain.MaxAddressLineLen)}}
		}, "recipient.postal_address.lines[1]", domain.ReasonTooLong},
		{"Norwegian postal code", validSend, func(r *svarsignv1.SendShipmentRequest) {
			r.Recipient.PostalAddress = &svarsignv1.PostalAddress{PostalCode: "12345", Country: "Norge"}
		}, "recipient.postal_address.postal_code", domain.ReasonInvalidFormat},
		{"foreign postal code too long", validSend, func(r *svarsignv1.SendShipmentRequest) {
			r.Recipient.PostalAddress = &svarsignv1.PostalAddress{PostalCode: long(domain.MaxPostalCodeLen), Country: "SE"}
		}, "recipient.postal_address.postal_code", domain.ReasonTooLong},
		{"country too long", validSend, func(r *svarsignv1.SendShipmentRequest) {
			r.Recipient.PostalAddress = &svarsignv1.PostalAddress{Country: long(domain.MaxAddressLineLen)}
		}, "recipient.postal_address.country", domain.ReasonTooLong},
		{"postal area too long", validSend, func(r *svarsignv1.SendShipmentRequest) {
			r.Recipient.PostalAddress = &svarsignv1.PostalAddress{PostalArea: long(domain.MaxAddressLineLen)}
		}, "recipient.postal_address.postal_area", domain.ReasonTooLong},

		{"reply_to not an organisation number", validSend, func(r *svarsignv1.SendShipmentRequest) { r.ReplyTo = "910000005" }, "reply_to", domain.ReasonInvalidOrganizationNumber},
		{"in_reply_to not a UUID", validSend, func(r *svarsignv1.SendShipmentRequest) { r.InReplyTo = "earlier" }, "in_reply_to", domain.ReasonNotUUID},

		{"no documents", validSend, func(r *svarsignv1.SendShipmentRequest) { r.Documents = nil }, "documents", domain.ReasonRequired},
		{"too many documents", validSend, func(r *svarsignv1.SendShipmentRequest) { r.Documents = docs(domain.MaxDocuments + 1) }, "documents", domain.ReasonTooMany},
		{"file name missing", validSend, func(r *svarsignv1.SendShipmentRequest) { r.Documents[0].FileName = "" }, "documents[0].file_name", domain.ReasonRequired},
		{"file name with a slash", validSend, func(r *svarsignv1.SendShipmentRequest) { r.Documents[0].FileName = "a/b.pdf" }, "documents[0].file_name", domain.ReasonInvalidFileName},
		{"file names equal but for case", validSend, func(r *svarsignv1.SendShipmentRequest) {
			r.Documents = append(r.Documents, &svarsignv1.DocumentSpec{FileName: "VEDTAK.PDF", MimeType: pdfMIME, Content: []byte("x")})
		}, "documents[1].file_name", domain.ReasonDuplicate},
		{"metadata key empty", validSend, func(r *svarsignv1.SendShipmentRequest) { r.Documents[0].Metadata = map[string]string{"": "x"} }, `documents[0].metadata[""]`, domain.ReasonRequired},
		{"inline content without MIME type", validSend, func(r *svarsignv1.SendShipmentRequest) { r.Documents[0].MimeType = "" }, "documents[0].mime_type", domain.ReasonRequired},
		{"no content and no shipment_id", validSend, func(r *svarsignv1.SendShipmentRequest) { r.Documents[0].Content = nil }, "documents[0].content", domain.ReasonRequired},
		{"MIME type malformed", validSend, func(r *svarsignv1.SendShipmentRequest) { r.Documents[0].MimeType = "pdf" }, "documents[0].mime_type", domain.ReasonInvalidFormat},
		{"MIME type too long", validSend, func(r *svarsignv1.SendShipmentRequest) {
			r.Documents[0].MimeType = "application/" + long(domain.MaxMIMETypeLen)
		}, "documents[0].mime_type", domain.ReasonTooLong},
		{"inline content too large", validSend, func(r *svarsignv1.SendShipmentRequest) {
			r.Documents[0].Content = make([]byte, maxInlineBytes+1)
		}, "documents", domain.ReasonTooLarge},

		{"journal post type too long", validSend, func(r *svarsignv1.SendShipmentRequest) {
			r.ArchiveMetadata = &svarsignv1.ArchiveMetadata{JournalPostType: long(domain.MaxArchiveCodeLen)}
		}, "archive_metadata.journal_post_type", domain.ReasonTooLong},
		{"journal status too long", validSend, func(r *svarsignv1.SendShipmentRequest) {
			r.ArchiveMetadata = &svarsignv1.ArchiveMetadata{JournalStatus: long(domain.MaxArchiveCodeLen)}
		}, "archive_metadata.journal_status", domain.ReasonTooLong},
		{"document date not a date", validSend, func(r *svarsignv1.SendShipmentRequest) {
			r.ArchiveMetadata = &svarsignv1.ArchiveMetadata{DocumentDate: "01.03.2026"}
		}, "archive_metadata.document_date", domain.ReasonInvalidFormat},
		{"case worker too long", validSend, func(r *svarsignv1.SendShipmentRequest) {
			r.ArchiveMetadata = &svarsignv1.ArchiveMetadata{CaseWorker: long(domain.MaxRecipientNameLen)}
		}, "archive_metadata.case_worker", domain.ReasonTooLong},
		{"case year negative", validSend, func(r *svarsignv1.SendShipmentRequest) {
			r.ArchiveMetadata = &svarsignv1.ArchiveMetadata{CaseYear: -1}
		}, "archive_metadata.case_year", domain.ReasonOutOfRange},
		{"return address postal code", validSend, func(r *svarsignv1.SendShipmentRequest) {
			r.PrintSettings = &svarsignv1.PrintSettings{ReturnAddress: &svarsignv1.PostalAddress{PostalCode: "N-0150"}}
		}, "print_settings.return_address.postal_code", domain.ReasonInvalidFormat},
		{"sign without a signing order", validSend, func(r *svarsignv1.SendShipmentRequest) { r.Documents[0].Sign = true }, "documents[0].sign", domain.ReasonConflict},

		{"signing by an organisation", validSigning, toOrg, "recipient.organization_number", domain.ReasonNotAPerson},
		{"two documents to sign", validSigning, func(r *svarsignv1.SendShipmentRequest) {
			r.Documents = append(r.Documents, &svarsignv1.DocumentSpec{FileName: "b.pdf", MimeType: pdfMIME, Content: []byte("x"), Sign: true})
		}, "documents[1].sign", domain.ReasonConflict},
		{"document to sign not a PDF", validSigning, func(r *svarsignv1.SendShipmentRequest) { r.Documents[0].MimeType = "text/plain" }, "documents[0].mime_type", domain.ReasonNotPDF},
		{"no document to sign", validSigning, func(r *svarsignv1.SendShipmentRequest) { r.Documents[0].Sign = false }, "documents", domain.ReasonNoDocumentToSign},
		{"signature type missing", validSigning, func(r *svarsignv1.SendShipmentRequest) {
			r.SigningOrder.SignatureType = svarsignv1.SignatureType_SIGNATURE_TYPE_UNSPECIFIED
		}, "signing_order.signature_type", domain.ReasonRequired},
		{"deadline missing", validSigning, func(r *svarsignv1.SendShipmentRequest) { r.SigningOrder.Deadline = nil }, "signing_order.deadline", domain.ReasonRequired},
		{"deadline too early", validSigning, func(r *svarsignv1.SendShipmentRequest) {
			r.SigningOrder.Deadline = timestamppb.New(testNow.Add(domain.MinSigningLead - time.Second))
		}, "signing_order.deadline", domain.ReasonTooEarly},
		{"deadline too late", validSigning, func(r *svarsignv1.SendShipmentRequest) {
			r.SigningOrder.Deadline = timestamppb.New(testNow.Add(domain.MaxSigningLead + time.Second))
		}, "signing_order.deadline", domain.ReasonTooLate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.base()
			tt.break_(r)
			var v domain.Violations
			validateSend(r, testNow, &v)
			got := v.List()
			if len(got) != 1 || got[0].Field != tt.field || got[0].Reason != tt.reason {
				t.Fatalf("violations = %+v, want exactly one on %s with reason %s", got, tt.field, tt.reason)
			}
			if got[0].Description == "" {
				t.Errorf("violation on %s has no description", tt.field)
			}
		})
	}
}

// TestValidateSendValid checks that valid requests, at the limits where
// there are some, pass without a violation, and what validateSend parses.
func TestValidateSendValid(t *testing.T) {
	at := func(n int) string { return strings.Repeat("a", n) }
	shipmentID, batchID := uuid.New(), uuid.New()
	tests := []struct {
		name string
		req  func() *svarsignv1.SendShipmentRequest
		want parsedSend
	}{
		{"minimal", validSend, parsedSend{}},
		{"to an organisation, with uploads", func() *svarsignv1.SendShipmentRequest {
			r := validSend()
			toOrg(r)
			r.ShipmentId, r.BatchId = shipmentID.String(), batchID.String()
			r.Documents[0].Content, r.Documents[0].MimeType = nil, ""
			return r
		}, parsedSend{shipmentID: &shipmentID, batchID: &batchID}},
		{"at the limits", func() *svarsignv1.SendShipmentRequest {
			r := validSend()
			r.Title = at(domain.MaxTitleLen)
			r.IdempotencyKey = at(domain.MaxIdempotencyKeyLen)
			r.SenderSystem = at(domain.MaxSenderSystemLen)
			r.ExternalRef = at(domain.MaxExternalRefLen)
			r.ReplyTo = testOrg2
			r.Recipient.Name = at(domain.MaxRecipientNameLen)
			r.Recipient.PostalAddress = &svarsignv1.PostalAddress{Lines: []string{"a", "b", at(domain.MaxAddressLineLen)}, PostalCode: "0150"}
			r.Documents = docs(domain.MaxDocuments)
			r.ArchiveMetadata = &svarsignv1.ArchiveMetadata{DocumentDate: "2026-03-01", JournalPostType: "U"}
			return r
		}, parsedSend{}},
		{"signing, authenticated, deadline at the earliest", func() *svarsignv1.SendShipmentRequest {
			r := validSigning()
			r.SigningOrder.SignatureType = svarsignv1.SignatureType_SIGNATURE_TYPE_AUTHENTICATED
			r.SigningOrder.Deadline = timestamppb.New(testNow.Add(domain.MinSigningLead))
			return r
		}, parsedSend{signatureType: domain.SignatureAuthenticated}},
		{"signing, advanced, deadline at the latest", func() *svarsignv1.SendShipmentRequest {
			r := validSigning()
			r.SigningOrder.Deadline = timestamppb.New(testNow.Add(domain.MaxSigningLead))
			return r
		}, parsedSend{signatureType: domain.SignatureAdvanced}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v domain.Violations
			got := validateSend(tt.req(), testNow, &v)
			if v.Len() != 0 {
				t.Fatalf("violations = %+v, want none", v.List())
			}
			if !equalID(got.shipmentID, tt.want.shipmentID) || !equalID(got.batchID, tt.want.batchID) || got.signatureType != tt.want.signatureType {
				t.Errorf("parsed = {%v %v %q}, want {%v %v %q}", got.shipmentID, got.batchID, got.signatureType,
					tt.want.shipmentID, tt.want.batchID, tt.want.signatureType)
			}
		})
	}
}

// TestValidateSendReportsAll checks that validation goes on after the
// first problem, so the caller learns of every one at once.
func TestValidateSendReportsAll(t *testing.T) {
	r := validSigning()
	r.Title = ""
	r.ShipmentId = "x"
	r.SigningOrder.Deadline = nil
	var v domain.Violations
	validateSend(r, testNow, &v)
	var fields []string
	for _, viol := range v.List() {
		fields = append(fields, viol.Field)
	}
	want := []string{"shipment_id", "title", "signing_order.deadline"}
	if !slices.Equal(fields, want) {
		t.Errorf("fields = %v, want %v", fields, want)
	}
}

func equalID(a, b *uuid.UUID) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
