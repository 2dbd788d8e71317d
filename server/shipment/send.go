package shipment

import (
	"bytes"
	"cmp"
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

// SendShipment stores a shipment in steps, each with one concern:
//
//  1. planSend checks the request and parses it into a sendPlan, without
//     the database;
//  2. precheck reads what can be read outside a transaction: an earlier
//     send of the same id or key, answered as a replay before any blob is
//     written again, and the reply_to organisation;
//  3. storeInline writes inline content to the blob store;
//  4. sendTx claims the id and stores documents, history, signing order
//     and the accept job in one transaction;
//  5. after commit, the blobs of uploads the send left out are deleted.
func (s *Service) SendShipment(ctx context.Context, req *connect.Request[svarsignv1.SendShipmentRequest]) (*connect.Response[svarsignv1.SendShipmentResponse], error) {
	p, err := planSend(req.Msg, caller(ctx), s.now())
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "SendShipment", err)
	}
	prev, err := s.precheck(ctx, p)
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "SendShipment", err)
	}
	if prev != nil {
		return s.replay(ctx, prev, p.hash)
	}
	inline, err := s.storeInline(ctx, p.req.GetDocuments())
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "SendShipment", err)
	}
	var res sendResult
	err = s.commit.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
		var err error
		res, err = s.sendTx(ctx, tx, p, inline)
		return err
	})
	if err != nil || res.prev != nil {
		for _, b := range inline {
			s.deleteBlob(ctx, b.key)
		}
	}
	switch {
	case ent.IsConstraintError(err):
		// The database's own refusal of a second row with the id or key:
		// another send stored it first. It is an error, not an outcome,
		// because it has to roll the transaction back (on PostgreSQL the
		// failed statement has aborted it).
		return s.lostRace(ctx, p)
	case err != nil:
		return nil, apierr.Map(ctx, s.log, "SendShipment", err)
	case res.prev != nil:
		return s.replay(ctx, res.prev, p.hash)
	}
	for _, k := range res.drop {
		s.deleteBlob(ctx, k)
	}
	s.log.InfoContext(ctx, "shipment received", "shipment", p.id, "org", p.caller.OrgNumber, "documents", len(res.sh.Edges.Documents))
	return connect.NewResponse(&svarsignv1.SendShipmentResponse{Shipment: shipmentToProto(res.sh)}), nil
}

// sendPlan is a send request checked and parsed: every id parsed and every
// default applied once, here, for the steps that follow.
type sendPlan struct {
	req    *svarsignv1.SendShipmentRequest
	caller auth.Caller
	// id is the shipment's: the request's (reserved with StartShipment),
	// or a new one.
	id uuid.UUID
	// reserved says id came from the request, so it may name a draft
	// holding uploads, or an earlier send of this request.
	reserved bool
	batchID  *uuid.UUID
	// replyTo is the request's reply_to, or the sender's organisation.
	replyTo string
	// hash identifies the content, to tell a retry from a reuse of the id
	// or idempotency key (requestHash).
	hash []byte
	// signing is nil without a signing order. DocumentID and FileName are
	// left for sendTx to fill in once the document is stored.
	signing *signing.Spec
}

// planSend validates msg, sent by c at now, and turns it into a plan. It
// does not touch the database.
func planSend(msg *svarsignv1.SendShipmentRequest, c auth.Caller, now time.Time) (*sendPlan, error) {
	var v domain.Violations
	parsed := validateSend(msg, now, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	p := &sendPlan{
		req:     msg,
		caller:  c,
		id:      uuid.New(),
		batchID: parsed.batchID,
		replyTo: cmp.Or(msg.GetReplyTo(), c.OrgNumber),
		hash:    requestHash(msg),
	}
	if parsed.shipmentID != nil {
		p.id, p.reserved = *parsed.shipmentID, true
	}
	if so := msg.GetSigningOrder(); so != nil {
		p.signing = &signing.Spec{
			ShipmentID:    p.id,
			OrgID:         c.OrgID,
			SignatureType: parsed.signatureType,
			// To the microsecond, as PostgreSQL keeps it (see server/app).
			Deadline:      so.GetDeadline().AsTime().Truncate(time.Microsecond),
			RequireLevel4: msg.GetRequireLevel4(),
			ReplyTo:       p.replyTo,
			SignerID:      msg.GetRecipient().GetNationalIdentityNumber(),
		}
	}
	return p, nil
}

// requestHash identifies the content of a send, to tell a retry from a
// different shipment reusing the same id or idempotency key.
func requestHash(msg *svarsignv1.SendShipmentRequest) []byte {
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(msg)
	h := sha256.Sum256(b)
	return h[:]
}

// precheck does the checks that need the database but no transaction. It
// returns the shipment an earlier send of the same id or key stored, if
// any, to be answered as a replay: a retry must not write blobs again.
// sendTx looks again, authoritatively.
func (s *Service) precheck(ctx context.Context, p *sendPlan) (*ent.Shipment, error) {
	prev, err := findPrevious(ctx, s.db.Ent, p)
	if err != nil {
		return nil, err
	}
	if prev != nil && prev.Status != domain.StatusDraft {
		return prev, nil
	}
	if p.signing != nil {
		// The signed document comes back to reply_to's Inbox, so it must
		// be an organisation that uses this service. Organisations are
		// never deleted, so the answer holds through the transaction.
		ok, err := s.db.Ent.Org.Query().Where(org.Number(p.replyTo)).Exist(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, domain.Invalid("reply_to", domain.ReasonUnknownOrganization, "no organisation with this number uses svarsign, so the signed document could not be returned to it")
		}
	}
	return nil, nil
}

// findPrevious returns the shipment a send refers to by id or idempotency
// key, if any: a draft reserved by StartShipment or an earlier send.
// Another organisation's id is not found (the tenant scope hides it).
func findPrevious(ctx context.Context, client *ent.Client, p *sendPlan) (*ent.Shipment, error) {
	if p.reserved {
		sh, err := client.Shipment.Get(ctx, p.id)
		switch {
		case ent.IsNotFound(err):
		case err != nil:
			return nil, err
		default:
			return sh, nil
		}
	}
	if k := p.req.GetIdempotencyKey(); k != "" {
		sh, err := client.Shipment.Query().Where(shipment.IdempotencyKey(k)).Only(ctx)
		if ent.IsNotFound(err) {
			return nil, nil
		}
		return sh, err
	}
	return nil, nil
}

// replay answers a send of what prev already holds: the same content gets
// prev, as a retry; different content is refused.
func (s *Service) replay(ctx context.Context, prev *ent.Shipment, hash []byte) (*connect.Response[svarsignv1.SendShipmentResponse], error) {
	if !bytes.Equal(prev.RequestHash, hash) {
		return nil, domain.Errorf(domain.ErrAlreadyExists, "shipment %s was already sent with different content; use a new shipment id or idempotency key", prev.ID)
	}
	sh, err := s.load(ctx, s.db.Ent, caller(ctx), prev.ID)
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "SendShipment", err)
	}
	return connect.NewResponse(&svarsignv1.SendShipmentResponse{Shipment: shipmentToProto(sh)}), nil
}

// lostRace answers a send whose id or key another send stored first: who
// won decides the answer, the same content being a retry.
func (s *Service) lostRace(ctx context.Context, p *sendPlan) (*connect.Response[svarsignv1.SendShipmentResponse], error) {
	if prev, err := findPrevious(ctx, s.db.Ent, p); err == nil && prev != nil && prev.Status != domain.StatusDraft {
		return s.replay(ctx, prev, p.hash)
	}
	switch {
	case p.req.GetIdempotencyKey() != "":
		return nil, domain.Errorf(domain.ErrAlreadyExists, "idempotency_key is already used by another shipment")
	case p.reserved:
		// The id is taken by a shipment the caller cannot see: another
		// organisation's.
		return nil, domain.NotFound("shipment " + p.id.String())
	}
	return nil, domain.Errorf(domain.ErrAborted, "another send with the same shipment id or idempotency key was stored at the same time")
}

type inlineBlob struct {
	key    string
	size   int64
	sha256 string
}

// storeInline writes inline documents to the blob store, durably, before
// the transaction; the caller deletes them if the transaction fails.
// Concurrent sends share the flush to disk (store.Blobs.Sync).
func (s *Service) storeInline(ctx context.Context, docs []*svarsignv1.DocumentSpec) (map[int]inlineBlob, error) {
	out := map[int]inlineBlob{}
	fail := func(err error) (map[int]inlineBlob, error) {
		for _, b := range out {
			s.deleteBlob(ctx, b.key)
		}
		return nil, err
	}
	var keys []string
	for i, d := range docs {
		if len(d.GetContent()) == 0 {
			continue
		}
		key := blobKey(s.now())
		size, sum, err := s.blobs.Stage(ctx, key, bytes.NewReader(d.GetContent()))
		if err != nil {
			return fail(fmt.Errorf("storing documents[%d]: %w", i, err))
		}
		out[i] = inlineBlob{key: key, size: size, sha256: sum}
		keys = append(keys, key)
	}
	if err := s.blobs.Sync(ctx, keys...); err != nil {
		return fail(fmt.Errorf("storing documents: %w", err))
	}
	return out, nil
}

// blobKey names a new document's blob: one folder a day, so the blobs
// synced together share a folder and one fsync of it.
func blobKey(now time.Time) string {
	return "documents/" + now.UTC().Format(time.DateOnly) + "/" + uuid.NewString()
}

func (s *Service) deleteBlob(ctx context.Context, key string) {
	if err := s.blobs.Delete(context.WithoutCancel(ctx), key); err != nil {
		s.log.WarnContext(ctx, "deleting blob", "key", key, "err", err)
	}
}

// sendResult is what sendTx did: either it stored the shipment sh, and
// drop lists the blobs of uploads the send left out, to delete after
// commit; or the shipment had been sent before, as prev, and it wrote
// nothing.
type sendResult struct {
	// sh is the shipment as the transaction wrote it, with its documents
	// and signing order: the answer. It is RECEIVED; after the commit the
	// accept job may move it on.
	sh   *ent.Shipment
	prev *ent.Shipment
	drop []string
}

// sendTx carries out p in tx: it claims the id, stores the documents,
// checks the one to sign, and records the history, the signing order and
// the accept job.
func (s *Service) sendTx(ctx context.Context, tx *database.Tx, p *sendPlan, inline map[int]inlineBlob) (sendResult, error) {
	sh, prev, err := s.claim(ctx, tx, p)
	if err != nil || prev != nil {
		return sendResult{prev: prev}, err
	}
	var v domain.Violations
	docs, err := storeDocuments(ctx, tx, p, inline, s.maxShipment, &v)
	if err != nil {
		return sendResult{}, err
	}
	if docs.sign != nil {
		// This reads the stored bytes, so it belongs in the transaction:
		// the claim has ended the draft, so no upload can replace the
		// document from here on, while a check before the claim could pass
		// bytes that a concurrent re-upload then replaces.
		s.checkSignable(ctx, docs.sign, docs.signIndex, &v)
	}
	if err := v.Err(); err != nil {
		return sendResult{}, err
	}
	text := "Received"
	if sys := p.req.GetSenderSystem(); sys != "" {
		text += " from " + sys
	}
	if err := tx.RecordReceived(ctx, sh, text); err != nil {
		return sendResult{}, err
	}
	sh.Edges.Documents = docs.all
	if p.signing != nil {
		if docs.sign == nil {
			return sendResult{}, errors.New("signing order without a document to sign") // validateSend requires one
		}
		spec := *p.signing
		spec.DocumentID, spec.FileName = docs.sign.ID, docs.sign.FileName
		if sh.Edges.SigningOrder, err = signing.Register(ctx, tx, s.jobs, spec); err != nil {
			return sendResult{}, err
		}
	}
	if err := s.jobs.InsertTx(ctx, tx, delivery.AcceptShipmentArgs{ShipmentID: p.id}); err != nil {
		return sendResult{}, fmt.Errorf("queueing acceptance: %w", err)
	}
	return sendResult{sh: sh, drop: docs.drop}, nil
}

// claim makes p.id a RECEIVED shipment, sh: a new row, or the caller's
// draft moved from DRAFT. If the id or key was sent before, it writes
// nothing and returns that shipment as prev instead. A send of the same id
// or key that commits first makes the write fail with a constraint error.
func (s *Service) claim(ctx context.Context, tx *database.Tx, p *sendPlan) (sh, prev *ent.Shipment, err error) {
	prev, err = findPrevious(ctx, tx.Ent, p)
	if err != nil {
		return nil, nil, err
	}
	if prev != nil && prev.Status != domain.StatusDraft {
		return nil, prev, nil
	}
	now := s.now()
	if prev == nil {
		create := tx.Ent.Shipment.Create().SetID(p.id).SetOrgID(p.caller.OrgID).SetCreatedAt(now)
		p.setFields(create.Mutation(), now)
		if sh, err = create.Save(ctx); err != nil {
			return nil, nil, fmt.Errorf("storing shipment: %w", err)
		}
		return sh, nil, nil
	}
	// Only a DRAFT becomes a shipment (DRAFT->RECEIVED, checked by the
	// status hook as a compare-and-set): of concurrent sends of one
	// reserved id, the first wins and the others see it sent.
	update := tx.Ent.Shipment.UpdateOneID(p.id)
	p.setFields(update.Mutation(), now)
	sh, err = update.Save(ctx)
	if _, refused := errors.AsType[*domain.TransitionError](err); ent.IsNotFound(err) || refused {
		prev, err = tx.Ent.Shipment.Get(ctx, p.id)
		return nil, prev, err
	}
	if err != nil {
		return nil, nil, fmt.Errorf("storing shipment: %w", err)
	}
	return sh, nil, nil
}

// setFields sets what a send stores on its shipment row.
func (p *sendPlan) setFields(m *ent.ShipmentMutation, now time.Time) {
	msg := p.req
	m.SetStatus(domain.StatusReceived)
	m.SetSenderOrgNumber(p.caller.OrgNumber)
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
	m.SetReplyTo(p.replyTo)
	m.SetInReplyTo(msg.GetInReplyTo())
	m.SetArchiveMetadata(marshalJSON(msg.GetArchiveMetadata()))
	m.SetPrintSettings(marshalJSON(msg.GetPrintSettings()))
	m.SetOnlyDigital(msg.GetOnlyDigital())
	m.SetRequireLevel4(msg.GetRequireLevel4())
	if k := msg.GetIdempotencyKey(); k != "" {
		m.SetIdempotencyKey(k)
	}
	if p.batchID != nil {
		m.SetBatchID(*p.batchID)
	}
	m.SetRequestHash(p.hash)
	m.SetSentAt(now)
	m.SetUpdatedAt(now)
}

// storedDocs is what storeDocuments did.
type storedDocs struct {
	all       []*ent.Document // the shipment's documents, in request order
	sign      *ent.Document   // the document to sign, if any
	signIndex int             // its index in the request
	drop      []string        // blobs of the uploads removed, to delete after commit
}

// storeDocuments makes the shipment's documents those the request lists:
// inline content becomes a new document, replacing an upload of the same
// name; an upload the request names takes the request's fields; an upload
// it does not name is removed. What is wrong with the documents is added
// to v, and the shipment may hold at most maxTotal bytes in all.
func storeDocuments(ctx context.Context, tx *database.Tx, p *sendPlan, inline map[int]inlineBlob, maxTotal int64, v *domain.Violations) (storedDocs, error) {
	var out storedDocs
	uploads, err := uploadsOf(ctx, tx, p)
	if err != nil {
		return out, err
	}
	var total int64
	for i, d := range p.req.GetDocuments() {
		key := strings.ToLower(d.GetFileName())
		up, uploaded := uploads[key]
		delete(uploads, key) // what is left at the end was not named
		var doc *ent.Document
		b, isInline := inline[i]
		switch {
		case isInline:
			if uploaded {
				// Inline content replaces an upload of the same name.
				if err := tx.Ent.Document.DeleteOne(up).Exec(ctx); err != nil {
					return out, err
				}
				out.drop = append(out.drop, up.BlobKey)
			}
			total += b.size
			doc, err = addInline(ctx, tx, p.id, i, d, b)
		case !uploaded:
			v.Addf(fmt.Sprintf("documents[%d].file_name", i), domain.ReasonNotUploaded, "no document named %q was uploaded to shipment %s; upload it with UploadDocument or give its content inline", d.GetFileName(), p.id)
			continue
		case up.Size == 0:
			// Uploads refuse empty documents; this keeps one stored
			// before they did from being sent.
			v.Addf(fmt.Sprintf("documents[%d].content", i), domain.ReasonEmpty, "the upload %q is empty; a document must hold at least one byte", up.FileName)
			continue
		default:
			total += up.Size
			doc, err = useUpload(ctx, up, i, d)
		}
		if err != nil {
			return out, err
		}
		out.all = append(out.all, doc)
		if d.GetSign() {
			out.sign, out.signIndex = doc, i
		}
	}
	if total > maxTotal {
		v.Addf("documents", domain.ReasonTooLarge, "must be at most %d bytes in all (are %d); send the rest in another shipment", maxTotal, total)
	}
	for _, up := range uploads {
		// An upload the send does not name is not part of the shipment.
		if err := tx.Ent.Document.DeleteOne(up).Exec(ctx); err != nil {
			return out, err
		}
		out.drop = append(out.drop, up.BlobKey)
	}
	return out, nil
}

// uploadsOf returns the documents uploaded to p's draft, by file name key.
// Read after the claim, they are all there are: no upload to the shipment
// commits once it has left DRAFT.
func uploadsOf(ctx context.Context, tx *database.Tx, p *sendPlan) (map[string]*ent.Document, error) {
	if !p.reserved {
		return nil, nil
	}
	docs, err := tx.Ent.Document.Query().Where(document.ShipmentID(p.id)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*ent.Document, len(docs))
	for _, d := range docs {
		out[d.FileNameKey] = d
	}
	return out, nil
}

// addInline stores documents[i], whose content is blob b.
func addInline(ctx context.Context, tx *database.Tx, id uuid.UUID, i int, d *svarsignv1.DocumentSpec, b inlineBlob) (*ent.Document, error) {
	doc, err := tx.Ent.Document.Create().
		SetShipmentID(id).SetFileName(d.GetFileName()).SetFileNameKey(strings.ToLower(d.GetFileName())).
		SetMimeType(d.GetMimeType()).SetSize(b.size).SetSha256(b.sha256).
		SetSign(d.GetSign()).SetPersonallySensitive(d.GetPersonallySensitive()).
		SetMetadata(d.GetMetadata()).SetBlobKey(b.key).SetPosition(i).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("storing documents[%d]: %w", i, err)
	}
	return doc, nil
}

// useUpload gives the upload up the fields of documents[i].
func useUpload(ctx context.Context, up *ent.Document, i int, d *svarsignv1.DocumentSpec) (*ent.Document, error) {
	upd := up.Update().SetSign(d.GetSign()).SetPersonallySensitive(d.GetPersonallySensitive()).
		SetMetadata(d.GetMetadata()).SetPosition(i)
	if d.GetMimeType() != "" {
		upd.SetMimeType(d.GetMimeType())
	}
	doc, err := upd.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("updating documents[%d]: %w", i, err)
	}
	return doc, nil
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
