package shipment

import (
	"fmt"
	"mime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/protoconv"
)

// maxInlineBytes bounds inline document content in one send; larger
// documents go through UploadDocument.
const maxInlineBytes = 16 << 20

func tooLong(s string, max int) bool { return utf8.RuneCountInString(s) > max }

// parsedSend is what validateSend parsed on its way, so that nothing is
// parsed twice. It is complete when validateSend added no violation.
type parsedSend struct {
	shipmentID    *uuid.UUID // nil: none given
	batchID       *uuid.UUID // nil: none given
	signatureType domain.SignatureType
}

// validateSend checks every rule of DESIGN.md §3 that needs no database and
// reports all problems at once.
func validateSend(req *svarsignv1.SendShipmentRequest, now time.Time, v *domain.Violations) parsedSend {
	var p parsedSend
	if s := req.GetShipmentId(); s != "" {
		if id, err := uuid.Parse(s); err != nil {
			v.Add("shipment_id", domain.ReasonNotUUID, "must be a UUID, as returned by StartShipment")
		} else {
			p.shipmentID = &id
		}
	}
	if tooLong(req.GetIdempotencyKey(), domain.MaxIdempotencyKeyLen) {
		v.Addf("idempotency_key", domain.ReasonTooLong, "must be at most %d characters", domain.MaxIdempotencyKeyLen)
	}
	if s := req.GetBatchId(); s != "" {
		if id, err := uuid.Parse(s); err != nil {
			v.Add("batch_id", domain.ReasonNotUUID, "must be a UUID")
		} else {
			p.batchID = &id
		}
	}
	switch title := strings.TrimSpace(req.GetTitle()); {
	case title == "":
		v.Add("title", domain.ReasonRequired, "is required")
	case tooLong(req.GetTitle(), domain.MaxTitleLen):
		v.Addf("title", domain.ReasonTooLong, "must be at most %d characters", domain.MaxTitleLen)
	}
	if tooLong(req.GetSenderSystem(), domain.MaxSenderSystemLen) {
		v.Addf("sender_system", domain.ReasonTooLong, "must be at most %d characters", domain.MaxSenderSystemLen)
	}
	if tooLong(req.GetExternalRef(), domain.MaxExternalRefLen) {
		v.Addf("external_ref", domain.ReasonTooLong, "must be at most %d characters", domain.MaxExternalRefLen)
	}
	validateRecipient(req.GetRecipient(), v)
	if r := req.GetReplyTo(); r != "" {
		if err := domain.CheckOrganizationNumber(r); err != nil {
			v.Add("reply_to", domain.ReasonOf(err), "must be an organisation number: "+err.Error())
		}
	}
	if r := req.GetInReplyTo(); r != "" {
		if _, err := uuid.Parse(r); err != nil {
			v.Add("in_reply_to", domain.ReasonNotUUID, "must be a shipment id (UUID)")
		}
	}
	validateDocuments(req, v)
	if am := req.GetArchiveMetadata(); am != nil {
		if tooLong(am.GetJournalPostType(), domain.MaxArchiveCodeLen) {
			v.Addf("archive_metadata.journal_post_type", domain.ReasonTooLong, "must be at most %d characters, a Noark code such as U", domain.MaxArchiveCodeLen)
		}
		if tooLong(am.GetJournalStatus(), domain.MaxArchiveCodeLen) {
			v.Addf("archive_metadata.journal_status", domain.ReasonTooLong, "must be at most %d characters, a Noark code such as F", domain.MaxArchiveCodeLen)
		}
		if d := am.GetDocumentDate(); d != "" {
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				v.Add("archive_metadata.document_date", domain.ReasonInvalidFormat, "must be a date as YYYY-MM-DD")
			}
		}
		if tooLong(am.GetCaseWorker(), domain.MaxRecipientNameLen) {
			v.Addf("archive_metadata.case_worker", domain.ReasonTooLong, "must be at most %d characters", domain.MaxRecipientNameLen)
		}
		for f, n := range map[string]int32{
			"case_year": am.GetCaseYear(), "case_sequence": am.GetCaseSequence(),
			"journal_year": am.GetJournalYear(), "journal_sequence": am.GetJournalSequence(),
			"journal_post_number": am.GetJournalPostNumber(),
		} {
			if n < 0 {
				v.Add("archive_metadata."+f, domain.ReasonOutOfRange, "must not be negative")
			}
		}
	}
	if ps := req.GetPrintSettings(); ps != nil {
		validateAddress("print_settings.return_address", ps.GetReturnAddress(), v)
	}
	if req.GetSigningOrder() == nil {
		for i, d := range req.GetDocuments() {
			if d.GetSign() {
				v.Add(fmt.Sprintf("documents[%d].sign", i), domain.ReasonConflict, "a document can only be marked for signing together with a signing_order")
			}
		}
	} else {
		p.signatureType = validateSigningOrder(req, now, v)
	}
	return p
}

// validateSigningOrder checks the rules of a signeringsoppdrag that need no
// database, and returns its signature type; that the document is a real
// PDF is checked on its bytes later.
func validateSigningOrder(req *svarsignv1.SendShipmentRequest, now time.Time, v *domain.Violations) domain.SignatureType {
	so := req.GetSigningOrder()
	if _, org := req.GetRecipient().GetIdentity().(*svarsignv1.Recipient_OrganizationNumber); org {
		v.Add("recipient.organization_number", domain.ReasonNotAPerson, "a signing order needs a person as recipient: organisations cannot sign")
	}
	first := -1
	for i, d := range req.GetDocuments() {
		if !d.GetSign() {
			continue
		}
		if first >= 0 {
			v.Addf(fmt.Sprintf("documents[%d].sign", i), domain.ReasonConflict, "only one document can be signed; documents[%d] is already marked", first)
			continue
		}
		first = i
		if m := d.GetMimeType(); m != "" && m != pdfMIME {
			v.Addf(fmt.Sprintf("documents[%d].mime_type", i), domain.ReasonNotPDF, "the document to sign must be a PDF (%s)", pdfMIME)
		}
	}
	if first < 0 && len(req.GetDocuments()) > 0 {
		v.Add("documents", domain.ReasonNoDocumentToSign, "a signing order needs exactly one document marked sign")
	}
	signatureType, ok := protoconv.SignatureTypeFrom(so.GetSignatureType())
	if !ok {
		v.Add("signing_order.signature_type", domain.ReasonRequired, "is required: SIGNATURE_TYPE_AUTHENTICATED or SIGNATURE_TYPE_ADVANCED")
	}
	switch d := so.GetDeadline(); {
	case d == nil:
		v.Add("signing_order.deadline", domain.ReasonRequired, "is required")
	case d.AsTime().Before(now.Add(domain.MinSigningLead)):
		v.Add("signing_order.deadline", domain.ReasonTooEarly, "must be at least 24 hours ahead")
	case d.AsTime().After(now.Add(domain.MaxSigningLead)):
		v.Add("signing_order.deadline", domain.ReasonTooLate, "must be at most 90 days ahead")
	}
	return signatureType
}

const pdfMIME = "application/pdf"

func validateRecipient(r *svarsignv1.Recipient, v *domain.Violations) {
	if r == nil {
		v.Add("recipient", domain.ReasonRequired, "is required: a person (national_identity_number) or an organisation (organization_number)")
		return
	}
	switch id := r.GetIdentity().(type) {
	case *svarsignv1.Recipient_NationalIdentityNumber:
		if err := domain.CheckNationalIdentityNumber(id.NationalIdentityNumber); err != nil {
			v.AddError("recipient.national_identity_number", err)
		}
	case *svarsignv1.Recipient_OrganizationNumber:
		if err := domain.CheckOrganizationNumber(id.OrganizationNumber); err != nil {
			v.AddError("recipient.organization_number", err)
		}
	default:
		v.Add("recipient.identity", domain.ReasonRequired, "set exactly one of national_identity_number or organization_number")
	}
	if tooLong(r.GetName(), domain.MaxRecipientNameLen) {
		v.Addf("recipient.name", domain.ReasonTooLong, "must be at most %d characters", domain.MaxRecipientNameLen)
	}
	validateAddress("recipient.postal_address", r.GetPostalAddress(), v)
}

func validateAddress(field string, a *svarsignv1.PostalAddress, v *domain.Violations) {
	if a == nil {
		return
	}
	if len(a.GetLines()) > domain.MaxAddressLines {
		v.Addf(field+".lines", domain.ReasonTooMany, "must have at most %d lines", domain.MaxAddressLines)
	}
	for i, l := range a.GetLines() {
		if tooLong(l, domain.MaxAddressLineLen) {
			v.Addf(fmt.Sprintf("%s.lines[%d]", field, i), domain.ReasonTooLong, "must be at most %d characters", domain.MaxAddressLineLen)
		}
	}
	norway := a.GetCountry() == "" || strings.EqualFold(a.GetCountry(), "NO") || strings.EqualFold(a.GetCountry(), "Norge") || strings.EqualFold(a.GetCountry(), "Norway")
	switch pc := a.GetPostalCode(); {
	case norway && pc != "" && !isDigits(pc, 4):
		v.Add(field+".postal_code", domain.ReasonInvalidFormat, "must be 4 digits for a Norwegian address")
	case tooLong(pc, domain.MaxPostalCodeLen):
		v.Addf(field+".postal_code", domain.ReasonTooLong, "must be at most %d characters", domain.MaxPostalCodeLen)
	}
	if tooLong(a.GetCountry(), domain.MaxAddressLineLen) {
		v.Addf(field+".country", domain.ReasonTooLong, "must be at most %d characters", domain.MaxAddressLineLen)
	}
	if tooLong(a.GetPostalArea(), domain.MaxAddressLineLen) {
		v.Addf(field+".postal_area", domain.ReasonTooLong, "must be at most %d characters", domain.MaxAddressLineLen)
	}
}

// checkMIMEType accepts a media type such as application/pdf, with
// parameters if any, of at most domain.MaxMIMETypeLen characters.
func checkMIMEType(m string) error {
	if tooLong(m, domain.MaxMIMETypeLen) {
		return domain.RuleErrorf(domain.ReasonTooLong, "must be at most %d characters", domain.MaxMIMETypeLen)
	}
	t, _, err := mime.ParseMediaType(m)
	if err != nil || !strings.Contains(t, "/") {
		return domain.RuleErrorf(domain.ReasonInvalidFormat, "must be a MIME type such as application/pdf")
	}
	return nil
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func validateDocuments(req *svarsignv1.SendShipmentRequest, v *domain.Violations) {
	docs := req.GetDocuments()
	if len(docs) == 0 {
		v.Add("documents", domain.ReasonRequired, "at least one document is required")
		return
	}
	if len(docs) > domain.MaxDocuments {
		// Each document would add its own violations; the count is the news.
		v.Addf("documents", domain.ReasonTooMany, "must be at most %d documents in one shipment (has %d)", domain.MaxDocuments, len(docs))
		return
	}
	seen := map[string]int{}
	var inline int
	for i, d := range docs {
		f := fmt.Sprintf("documents[%d]", i)
		if err := domain.CheckFileName(d.GetFileName()); err != nil {
			v.AddError(f+".file_name", err)
		} else {
			key := strings.ToLower(d.GetFileName())
			if j, dup := seen[key]; dup {
				v.Addf(f+".file_name", domain.ReasonDuplicate, "file names must be unique in a shipment regardless of case; documents[%d] has the same name", j)
			}
			seen[key] = i
		}
		domain.CheckMetadata(f+".metadata", d.GetMetadata(), v)
		if len(d.GetContent()) > 0 {
			inline += len(d.GetContent())
			if d.GetMimeType() == "" {
				v.Add(f+".mime_type", domain.ReasonRequired, "is required for inline content")
			}
		} else if req.GetShipmentId() == "" {
			v.Add(f+".content", domain.ReasonRequired, "is required: give the bytes inline, or upload them with UploadDocument under a shipment_id from StartShipment")
		}
		if m := d.GetMimeType(); m != "" {
			if err := checkMIMEType(m); err != nil {
				v.AddError(f+".mime_type", err)
			}
		}
	}
	if inline > maxInlineBytes {
		v.Addf("documents", domain.ReasonTooLarge, "inline content must be at most %d MiB in all; upload larger documents with UploadDocument", maxInlineBytes>>20)
	}
}
