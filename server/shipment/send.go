package shipment

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/document"
	"github.com/svarsign/svarsign/ent/org"
	"github.com/svarsign/svarsign/ent/shipment"
	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/server/apierr"
	"github.com/svarsign/svarsign/server/auth"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/delivery"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/protoconv"
	"github.com/svarsign/svarsign/server/signing"
)

// StartShipment reserves an id as a DRAFT row that uploads can attach to.
// A draft that is neither sent nor uploaded to for the draft retention is
// deleted with its uploads (see server/housekeeping), by the service's
// clock, which is why both times are set here.
func (s *Service) StartShipment(ctx context.Context, _ *connect.Request[svarsignv1.StartShipmentRequest]) (*connect.Response[svarsignv1.StartShipmentResponse], error) {
	c := caller(ctx)
	now := s.now()
	sh, err := s.db.Ent.Shipment.Create().
		SetOrgID(c.OrgID).
		SetStatus(domain.StatusDraft).
		SetSenderOrgNumber(c.OrgNumber).
		SetCreatedAt(now).
		SetUpdatedAt(now).
		Save(ctx)
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "StartShipment", err)
	}
	return connect.NewResponse(&svarsignv1.StartShipmentResponse{ShipmentId: sh.ID.String()}), nil
}

// errConflict is a unique-key clash while storing: another send with the
// same id or idempotency key committed first.
var errConflict = errors.New("another send with the same shipment id or idempotency key was stored at the same time")

// errReplay tells sendTx that the shipment was already sent; the stored
// shipment is the answer if the request hash matches.
type errReplay struct{ sh *ent.Shipment }

func (e *errReplay) Error() string { return "shipment already sent" }

// SendShipment stores the shipment, its documents, the RECEIVED event and the
// accept job in one transaction.
func (s *Service) SendShipment(ctx context.Context, req *connect.Request[svarsignv1.SendShipmentRequest]) (*connect.Response[svarsignv1.SendShipmentResponse], error) {
	c := caller(ctx)
	msg := req.Msg
	var v domain.Violations
	validateSend(msg, s.now(), &v)
	if err := v.Err(); err != nil {
		return nil, apierr.Map(ctx, s.log, "SendShipment", err)
	}
	hash := requestHash(msg)

	// A retry must not write blobs again, so look for an earlier send first.
	// The transaction below checks again, authoritatively.
	if prev, err := s.findPrevious(ctx, s.db.Ent, c, msg); err != nil {
		return nil, apierr.Map(ctx, s.log, "SendShipment", err)
	} else if prev != nil && prev.Status != domain.StatusDraft {
		return s.replay(ctx, prev, hash)
	}

	id := uuid.New()
	if msg.GetShipmentId() != "" {
		id = uuid.MustParse(msg.GetShipmentId())
	}
	inline, err := s.storeInline(ctx, id, msg.GetDocuments())
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "SendShipment", err)
	}
	var dropBlobs []string
	err = s.db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
		var err error
		dropBlobs, err = s.sendTx(ctx, tx, c, id, msg, hash, inline)
		return err
	})
	var replay *errReplay
	if err != nil {
		for _, b := range inline {
			s.deleteBlob(ctx, b.key)
		}
		if errors.As(err, &replay) {
			return s.replay(ctx, replay.sh, hash)
		}
		if errors.Is(err, errConflict) {
			// Who won decides the answer: the same content is a retry,
			// anything else is taken.
			if prev, ferr := s.findPrevious(ctx, s.db.Ent, c, msg); ferr == nil && prev != nil && prev.Status != domain.StatusDraft {
				return s.replay(ctx, prev, hash)
			}
			if msg.GetIdempotencyKey() != "" {
				return nil, domain.Errorf(domain.ErrAlreadyExists, "idempotency_key is already used by another shipment")
			}
			if msg.GetShipmentId() != "" {
				// The id is taken by a shipment the caller cannot see:
				// another organisation's.
				return nil, domain.NotFound("shipment " + msg.GetShipmentId())
			}
			return nil, domain.Errorf(domain.ErrAborted, "%w", errConflict)
		}
		return nil, apierr.Map(ctx, s.log, "SendShipment", err)
	}
	for _, k := range dropBlobs {
		s.deleteBlob(ctx, k)
	}
	sh, err := s.load(ctx, s.db.Ent, c, id)
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "SendShipment", err)
	}
	s.log.InfoContext(ctx, "shipment received", "shipment", id, "org", c.OrgNumber, "documents", len(sh.Edges.Documents))
	return connect.NewResponse(&svarsignv1.SendShipmentResponse{Shipment: shipmentToProto(sh)}), nil
}

// requestHash identifies the content of a send, to tell a retry from a
// different shipment reusing the same id or idempotency key.
func requestHash(msg *svarsignv1.SendShipmentRequest) []byte {
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(msg)
	h := sha256.Sum256(b)
	return h[:]
}

func (s *Service) replay(ctx context.Context, prev *ent.Shipment, hash []byte) (*connect.Response[svarsignv1.SendShipmentResponse], error) {
	if !bytes.Equal(prev.RequestHash, hash) {
		return nil, domain.Errorf(domain.ErrAlreadyExists, "shipment %s was already sent with different content; use a new shipment id or idempotency key", prev.ID)
	}
	c := caller(ctx)
	sh, err := s.load(ctx, s.db.Ent, c, prev.ID)
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "SendShipment", err)
	}
	return connect.NewResponse(&svarsignv1.SendShipmentResponse{Shipment: shipmentToProto(sh)}), nil
}

// findPrevious returns the shipment a send refers to by id or idempotency
// key, if any. Another organisation's id is NotFound.
func (s *Service) findPrevious(ctx context.Context, client *ent.Client, c auth.Caller, msg *svarsignv1.SendShipmentRequest) (*ent.Shipment, error) {
	if msg.GetShipmentId() != "" {
		sh, err := client.Shipment.Get(ctx, uuid.MustParse(msg.GetShipmentId()))
		switch {
		case ent.IsNotFound(err):
		case err != nil:
			return nil, err
		default:
			return sh, nil
		}
	}
	if k := msg.GetIdempotencyKey(); k != "" {
		sh, err := client.Shipment.Query().Where(shipment.IdempotencyKey(k)).Only(ctx)
		if ent.IsNotFound(err) {
			return nil, nil
		}
		return sh, err
	}
	return nil, nil
}

type inlineBlob struct {
	key    string
	size   int64
	sha256 string
}

// storeInline writes inline documents to the blob store before the
// transaction; the caller deletes them if the transaction fails.
func (s *Service) storeInline(ctx context.Context, id uuid.UUID, docs []*svarsignv1.DocumentSpec) (map[int]inlineBlob, error) {
	out := map[int]inlineBlob{}
	for i, d := range docs {
		if len(d.GetContent()) == 0 {
			continue
		}
		key := blobKey(id)
		size, sum, err := s.blobs.Put(ctx, key, bytes.NewReader(d.GetContent()))
		if err != nil {
			for _, b := range out {
				s.deleteBlob(ctx, b.key)
			}
			return nil, fmt.Errorf("storing documents[%d]: %w", i, err)
		}
		out[i] = inlineBlob{key: key, size: size, sha256: sum}
	}
	return out, nil
}

func blobKey(shipmentID uuid.UUID) string {
	return "shipments/" + shipmentID.String() + "/" + uuid.NewString()
}

func (s *Service) deleteBlob(ctx context.Context, key string) {
	if err := s.blobs.Delete(context.WithoutCancel(ctx), key); err != nil {
		s.log.WarnContext(ctx, "deleting blob", "key", key, "err", err)
	}
}

// sendTx does the writes of a send. It returns the blob keys of uploads the
// send did not reference, to delete after commit.
func (s *Service) sendTx(ctx context.Context, tx *database.Tx, c auth.Caller, id uuid.UUID, msg *svarsignv1.SendShipmentRequest, hash []byte, inline map[int]inlineBlob) ([]string, error) {
	prev, err := s.findPrevious(ctx, tx.Ent, c, msg)
	if err != nil {
		return nil, err
	}
	if prev != nil && prev.Status != domain.StatusDraft {
		return nil, &errReplay{sh: prev}
	}
	uploads := map[string]*ent.Document{}
	if prev != nil && prev.ID == id {
		docs, err := tx.Ent.Document.Query().Where(document.ShipmentID(id)).All(ctx)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			uploads[d.FileNameKey] = d
		}
	}

	now := s.now()
	if prev == nil || prev.ID != id {
		create := tx.Ent.Shipment.Create().SetID(id).SetOrgID(c.OrgID).SetCreatedAt(now)
		setShipmentFields(create.Mutation(), c, msg, hash, now)
		err = create.Exec(ctx)
	} else {
		// Only a DRAFT becomes a shipment (DRAFT->RECEIVED, checked by the
		// status hook as a compare-and-set): of concurrent sends of one
		// reserved id, the first wins and the others see it sent.
		update := tx.Ent.Shipment.UpdateOneID(id)
		setShipmentFields(update.Mutation(), c, msg, hash, now)
		var te *domain.TransitionError
		if err = update.Exec(ctx); ent.IsNotFound(err) || errors.As(err, &te) {
			sent, err := tx.Ent.Shipment.Get(ctx, id)
			if err != nil {
				return nil, err
			}
			return nil, &errReplay{sh: sent}
		}
	}
	if ent.IsConstraintError(err) {
		return nil, errConflict
	}
	if err != nil {
		return nil, fmt.Errorf("storing shipment: %w", err)
	}

	var v domain.Violations
	var drop []string
	used := map[string]bool{}
	var signDoc *ent.Document
	signIndex := -1
	var total int64
	for i, d := range msg.GetDocuments() {
		key := strings.ToLower(d.GetFileName())
		if b, ok := inline[i]; ok {
			total += b.size
			if up, ok := uploads[key]; ok {
				// Inline content replaces an upload of the same name.
				if err := tx.Ent.Document.DeleteOne(up).Exec(ctx); err != nil {
					return nil, err
				}
				delete(uploads, key)
				drop = append(drop, up.BlobKey)
			}
			doc, err := tx.Ent.Document.Create().
				SetShipmentID(id).SetFileName(d.GetFileName()).SetFileNameKey(key).
				SetMimeType(d.GetMimeType()).SetSize(b.size).SetSha256(b.sha256).
				SetSign(d.GetSign()).SetPersonallySensitive(d.GetPersonallySensitive()).
				SetMetadata(d.GetMetadata()).SetBlobKey(b.key).SetPosition(i).
				Save(ctx)
			if err != nil {
				return nil, fmt.Errorf("storing documents[%d]: %w", i, err)
			}
			if d.GetSign() {
				signDoc, signIndex = doc, i
			}
			continue
		}
		up, ok := uploads[key]
		if !ok {
			v.Addf(fmt.Sprintf("documents[%d].file_name", i), domain.ReasonNotUploaded, "no document named %q was uploaded to shipment %s; upload it with UploadDocument or give its content inline", d.GetFileName(), id)
			continue
		}
		used[key] = true
		if up.Size == 0 {
			// Uploads refuse empty documents; this keeps one stored
			// before they did from being sent.
			v.Addf(fmt.Sprintf("documents[%d].content", i), domain.ReasonEmpty, "the upload %q is empty; a document must hold at least one byte", up.FileName)
			continue
		}
		total += up.Size
		upd := up.Update().SetSign(d.GetSign()).SetPersonallySensitive(d.GetPersonallySensitive()).
			SetMetadata(d.GetMetadata()).SetPosition(i)
		if d.GetMimeType() != "" {
			upd.SetMimeType(d.GetMimeType())
		}
		doc, err := upd.Save(ctx)
		if err != nil {
			return nil, fmt.Errorf("updating documents[%d]: %w", i, err)
		}
		if d.GetSign() {
			signDoc, signIndex = doc, i
		}
	}
	if total > s.maxShipment {
		v.Addf("documents", domain.ReasonTooLarge, "must be at most %d bytes in all (are %d); send the rest in another shipment", s.maxShipment, total)
	}
	if signDoc != nil {
		s.checkSignable(ctx, signDoc, signIndex, &v)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	for key, up := range uploads {
		if used[key] {
			continue
		}
		// An upload the send does not mention is not part of the shipment.
		if err := tx.Ent.Document.DeleteOne(up).Exec(ctx); err != nil {
			return nil, err
		}
		drop = append(drop, up.BlobKey)
	}
	text := "Received"
	if sys := msg.GetSenderSystem(); sys != "" {
		text += " from " + sys
	}
	if _, err := tx.RecordNote(ctx, id, text); err != nil {
		return nil, err
	}
	if so := msg.GetSigningOrder(); so != nil {
		replyTo := msg.GetReplyTo()
		if replyTo == "" {
			replyTo = c.OrgNumber
		}
		// The signed document comes back to reply_to's Inbox, so it must
		// be an organisation that uses this service.
		if n, err := tx.Ent.Org.Query().Where(org.Number(replyTo)).Count(ctx); err != nil {
			return nil, err
		} else if n == 0 {
			return nil, domain.Invalid("reply_to", domain.ReasonUnknownOrganization, "no organisation with this number uses svarsign, so the signed document could not be returned to it")
		}
		signatureType, _ := protoconv.SignatureTypeFrom(so.GetSignatureType()) // checked by validateSend
		err := signing.Register(ctx, tx, s.jobs, signing.Spec{
			ShipmentID:    id,
			OrgID:         c.OrgID,
			DocumentID:    signDoc.ID,
			FileName:      signDoc.FileName,
			SignatureType: signatureType,
			Deadline:      so.GetDeadline().AsTime(),
			RequireLevel4: msg.GetRequireLevel4(),
			ReplyTo:       replyTo,
			SignerID:      msg.GetRecipient().GetNationalIdentityNumber(),
		})
		if err != nil {
			return nil, err
		}
	}
	if err := s.jobs.InsertTx(ctx, tx, delivery.AcceptShipmentArgs{ShipmentID: id}); err != nil {
		return nil, fmt.Errorf("queueing acceptance: %w", err)
	}
	return drop, nil
}

// checkSignable adds a violation unless the document to sign is a PDF that
// the signing provider can sign: it parses and is not encrypted.
func (s *Service) checkSignable(ctx context.Context, doc *ent.Document, i int, v *domain.Violations) {
	field := fmt.Sprintf("documents[%d]", i)
	if s.checkPDF == nil {
		v.Add(field+".sign", domain.ReasonNotSupported, "this server has no signing provider configured")
		return
	}
	if doc.MimeType != pdfMIME {
		v.Addf(field+".mime_type", domain.ReasonNotPDF, "the document to sign must be a PDF (%s)", pdfMIME)
		return
	}
	f, err := s.blobs.OpenFile(ctx, doc.BlobKey)
	if err != nil {
		v.Add(field, domain.ReasonUnreadable, "could not be read for checking")
		s.log.ErrorContext(ctx, "opening document to check", "document", doc.ID, "err", err)
		return
	}
	defer f.Close()
	if err := s.checkPDF(f, f.Size()); err != nil {
		v.Add(field+".content", domain.ReasonNotPDF, "the document to sign must be a real, unencrypted PDF: "+err.Error())
	}
}

func setShipmentFields(m *ent.ShipmentMutation, c auth.Caller, msg *svarsignv1.SendShipmentRequest, hash []byte, now time.Time) {
	m.SetStatus(domain.StatusReceived)
	m.SetSenderOrgNumber(c.OrgNumber)
	m.SetTitle(msg.GetTitle())
	m.SetSenderSystem(msg.GetSenderSystem())
	m.SetExternalRef(msg.GetExternalRef())
	r := msg.GetRecipient()
	switch id := r.GetIdentity().(type) {
	case *svarsignv1.Recipient_NationalIdentityNumber:
		m.SetRecipientKind(shipment.RecipientKindPERSON)
		m.SetRecipientID(id.NationalIdentityNumber)
	case *svarsignv1.Recipient_OrganizationNumber:
		m.SetRecipientKind(shipment.RecipientKindORGANIZATION)
		m.SetRecipientID(id.OrganizationNumber)
	}
	m.SetRecipientName(r.GetName())
	m.SetRecipientAddress(marshalJSON(r.GetPostalAddress()))
	replyTo := msg.GetReplyTo()
	if replyTo == "" {
		replyTo = c.OrgNumber
	}
	m.SetReplyTo(replyTo)
	m.SetInReplyTo(msg.GetInReplyTo())
	m.SetArchiveMetadata(marshalJSON(msg.GetArchiveMetadata()))
	m.SetPrintSettings(marshalJSON(msg.GetPrintSettings()))
	m.SetOnlyDigital(msg.GetOnlyDigital())
	m.SetRequireLevel4(msg.GetRequireLevel4())
	if k := msg.GetIdempotencyKey(); k != "" {
		m.SetIdempotencyKey(k)
	}
	if b := msg.GetBatchId(); b != "" {
		m.SetBatchID(uuid.MustParse(b))
	}
	m.SetRequestHash(hash)
	m.SetSentAt(now)
	m.SetUpdatedAt(now)
}
