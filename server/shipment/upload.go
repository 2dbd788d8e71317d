package shipment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/document"
	"github.com/svarsign/svarsign/ent/shipment"
	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/server/apierr"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/store"
)

const (
	// downloadChunk is the size of each streamed download message.
	downloadChunk = 256 << 10
	// maxChunk bounds one upload message, as the contract says, so a
	// client cannot make the server hold more than that per stream.
	maxChunk = 4 << 20
)

// UploadDocument streams a document into the blob store, measuring size and
// SHA-256 on the way; only a chunk at a time is ever in memory. What the
// upload could never be sent as is refused before any byte is stored: an
// empty document, a shipment that already holds MaxDocuments, and bytes
// beyond what the shipment may hold in all.
func (s *Service) UploadDocument(ctx context.Context, stream *connect.ClientStream[svarsignv1.UploadDocumentRequest]) (*connect.Response[svarsignv1.UploadDocumentResponse], error) {
	if !stream.Receive() {
		if err := stream.Err(); err != nil {
			return nil, err
		}
		return nil, domain.Invalid("header", domain.ReasonRequired, "the first message must carry the header (shipment_id, file_name, mime_type)")
	}
	h := stream.Msg().GetHeader()
	if h == nil {
		return nil, domain.Invalid("header", domain.ReasonRequired, "the first message must carry the header (shipment_id, file_name, mime_type)")
	}
	var v domain.Violations
	id, err := uuid.Parse(h.GetShipmentId())
	if err != nil {
		v.Add("header.shipment_id", domain.ReasonNotUUID, "must be a shipment id from StartShipment (UUID)")
	}
	if err := domain.CheckFileName(h.GetFileName()); err != nil {
		v.AddError("header.file_name", err)
	}
	if m := h.GetMimeType(); m == "" {
		v.Add("header.mime_type", domain.ReasonRequired, "is required, a MIME type such as application/pdf")
	} else if err := checkMIMEType(m); err != nil {
		v.AddError("header.mime_type", err)
	}
	if err := v.Err(); err != nil {
		return nil, apierr.Map(ctx, s.log, "UploadDocument", err)
	}
	if _, err := s.draft(ctx, s.db.Ent, id); err != nil {
		return nil, apierr.Map(ctx, s.log, "UploadDocument", err)
	}
	nameKey := strings.ToLower(h.GetFileName())
	count, total, err := s.draftUsage(ctx, s.db.Ent, id, nameKey)
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "UploadDocument", err)
	}
	if count >= domain.MaxDocuments {
		return nil, domain.Invalid("header.shipment_id", domain.ReasonTooMany, fmt.Sprintf("shipment already holds %d documents, the most one shipment can have", count))
	}

	r := &chunkReader{stream: stream, max: s.maxDoc, left: s.maxShipment - total, shipmentMax: s.maxShipment}
	if err := r.fill(); err != nil && !errors.Is(err, io.EOF) {
		return nil, uploadError(ctx, s, err)
	}
	if r.n == 0 {
		return nil, domain.Invalid("chunk", domain.ReasonEmpty, "the document is empty; a document must hold at least one byte")
	}
	key := blobKey(s.now())
	size, sum, err := s.blobs.Put(ctx, key, r)
	if err != nil {
		return nil, uploadError(ctx, s, err)
	}

	var doc *ent.Document
	var replaced string
	err = s.db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
		// Touching the draft first marks it as in use for the draft purge
		// and, on PostgreSQL, locks its row, so uploads to one shipment
		// and the purge take turns and the limits below count them all.
		n, err := tx.Ent.Shipment.Update().
			Where(shipment.ID(id), shipment.StatusEQ(domain.StatusDraft)).
			SetUpdatedAt(s.now()).
			Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			_, err := s.draft(ctx, tx.Ent, id)
			if err == nil {
				err = fmt.Errorf("shipment %s changed during the upload", id)
			}
			return err
		}
		old, err := tx.Ent.Document.Query().Where(document.ShipmentID(id), document.FileNameKey(nameKey)).Only(ctx)
		switch {
		case ent.IsNotFound(err):
		case err != nil:
			return err
		default:
			replaced = old.BlobKey
			if err := tx.Ent.Document.DeleteOne(old).Exec(ctx); err != nil {
				return err
			}
		}
		count, total, err := s.draftUsage(ctx, tx.Ent, id, nameKey)
		if err != nil {
			return err
		}
		if count >= domain.MaxDocuments {
			return domain.Invalid("header.shipment_id", domain.ReasonTooMany, fmt.Sprintf("shipment already holds %d documents, the most one shipment can have", count))
		}
		if total+size > s.maxShipment {
			return errShipmentFull(s.maxShipment)
		}
		doc, err = tx.Ent.Document.Create().
			SetShipmentID(id).SetFileName(h.GetFileName()).SetFileNameKey(nameKey).
			SetMimeType(h.GetMimeType()).SetSize(size).SetSha256(sum).SetBlobKey(key).
			SetCreatedAt(s.now()).
			Save(ctx)
		return err
	})
	if err != nil {
		s.deleteBlob(ctx, key)
		return nil, apierr.Map(ctx, s.log, "UploadDocument", err)
	}
	if replaced != "" {
		s.deleteBlob(ctx, replaced)
	}
	s.log.InfoContext(ctx, "document uploaded", "shipment", id, "size", size)
	return connect.NewResponse(&svarsignv1.UploadDocumentResponse{Document: documentToProto(doc)}), nil
}

// uploadError maps a failure while receiving or storing upload bytes: the
// stream's own errors (a broken stream) pass through, and the limits'
// validation errors become InvalidArgument.
func uploadError(ctx context.Context, s *Service, err error) error {
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce
	}
	return apierr.Map(ctx, s.log, "UploadDocument", fmt.Errorf("storing upload: %w", err))
}

// draftUsage counts the documents of a draft and their bytes, leaving out
// the one named nameKey, which an upload of that name replaces.
func (s *Service) draftUsage(ctx context.Context, client *ent.Client, id uuid.UUID, nameKey string) (count int, total int64, err error) {
	docs, err := client.Document.Query().
		Where(document.ShipmentID(id), document.FileNameKeyNEQ(nameKey)).
		Select(document.FieldSize).
		All(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, d := range docs {
		total += d.Size
	}
	return len(docs), total, nil
}

// draft returns the caller's reserved, unsent shipment.
func (s *Service) draft(ctx context.Context, client *ent.Client, id uuid.UUID) (*ent.Shipment, error) {
	sh, err := client.Shipment.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, domain.NotFound("shipment " + id.String())
	}
	if err != nil {
		return nil, err
	}
	if sh.Status != domain.StatusDraft {
		return nil, domain.Errorf(domain.ErrFailedPrecondition, "shipment %s was already sent; documents can only be uploaded before SendShipment", id)
	}
	return sh, nil
}

// chunkReader reads the chunks of an upload stream as one byte stream,
// refusing bytes beyond the limit of one document (max) or what is left of
// the limit of the shipment (left of shipmentMax).
type chunkReader struct {
	stream      *connect.ClientStream[svarsignv1.UploadDocumentRequest]
	buf         []byte
	n           int64
	max         int64
	left        int64
	shipmentMax int64
}

func errShipmentFull(max int64) error {
	return domain.Invalid("chunk", domain.ReasonTooLarge, fmt.Sprintf("the shipment's documents would exceed the limit of %d bytes in all; send the rest in another shipment", max))
}

// fill receives until it holds some bytes or the stream ends (io.EOF).
func (r *chunkReader) fill() error {
	for len(r.buf) == 0 {
		if !r.stream.Receive() {
			if err := r.stream.Err(); err != nil {
				return err
			}
			return io.EOF
		}
		msg := r.stream.Msg()
		if msg.GetHeader() != nil {
			return domain.Invalid("header", domain.ReasonNotAllowed, "only the first message may carry the header")
		}
		r.buf = msg.GetChunk()
		if len(r.buf) > maxChunk {
			return domain.Invalid("chunk", domain.ReasonTooLarge, fmt.Sprintf("must be at most %d bytes (4 MiB); 256 KiB to 1 MiB is best", maxChunk))
		}
		r.n += int64(len(r.buf))
		if r.n > r.max {
			return domain.Invalid("chunk", domain.ReasonTooLarge, fmt.Sprintf("the document is larger than the limit of %d bytes", r.max))
		}
		if r.n > r.left {
			return errShipmentFull(r.shipmentMax)
		}
	}
	return nil
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if err := r.fill(); err != nil {
		return 0, err
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// DownloadDocument streams a document of one of the caller's shipments.
func (s *Service) DownloadDocument(ctx context.Context, req *connect.Request[svarsignv1.DownloadDocumentRequest], stream *connect.ServerStream[svarsignv1.DownloadDocumentResponse]) error {
	sid, err1 := uuid.Parse(req.Msg.GetShipmentId())
	did, err2 := uuid.Parse(req.Msg.GetDocumentId())
	var v domain.Violations
	if err1 != nil {
		v.Add("shipment_id", domain.ReasonNotUUID, "must be a shipment id (UUID)")
	}
	if err2 != nil {
		v.Add("document_id", domain.ReasonNotUUID, "must be a document id (UUID)")
	}
	if err := v.Err(); err != nil {
		return apierr.Map(ctx, s.log, "DownloadDocument", err)
	}
	doc, err := s.db.Ent.Document.Query().
		Where(document.ID(did), document.ShipmentID(sid)).
		Only(ctx)
	if ent.IsNotFound(err) {
		return domain.NotFound("document " + did.String())
	}
	if err != nil {
		return apierr.Map(ctx, s.log, "DownloadDocument", err)
	}
	rc, err := s.blobs.Open(ctx, doc.BlobKey)
	if err != nil {
		return apierr.Map(ctx, s.log, "DownloadDocument", fmt.Errorf("opening blob: %w", err))
	}
	defer rc.Close()
	if err := stream.Send(&svarsignv1.DownloadDocumentResponse{Document: documentToProto(doc)}); err != nil {
		return err
	}
	err = store.Chunks(rc, downloadChunk, func(b []byte) error {
		return stream.Send(&svarsignv1.DownloadDocumentResponse{Chunk: b})
	})
	return apierr.Map(ctx, s.log, "DownloadDocument", err)
}
