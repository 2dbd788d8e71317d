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
// SHA-256 on the way; only a chunk at a time is ever in memory.
func (s *Service) UploadDocument(ctx context.Context, stream *connect.ClientStream[svarsignv1.UploadDocumentRequest]) (*connect.Response[svarsignv1.UploadDocumentResponse], error) {
	c := caller(ctx)
	if !stream.Receive() {
		if err := stream.Err(); err != nil {
			return nil, err
		}
		return nil, apierr.Field("header", "the first message must carry the header (shipment_id, file_name, mime_type)")
	}
	h := stream.Msg().GetHeader()
	if h == nil {
		return nil, apierr.Field("header", "the first message must carry the header (shipment_id, file_name, mime_type)")
	}
	var v domain.Violations
	id, err := uuid.Parse(h.GetShipmentId())
	if err != nil {
		v.Add("header.shipment_id", "must be a shipment id from StartShipment (UUID)")
	}
	if err := domain.CheckFileName(h.GetFileName()); err != nil {
		v.Add("header.file_name", err.Error())
	}
	if m := h.GetMimeType(); m == "" || !strings.Contains(m, "/") {
		v.Add("header.mime_type", "is required, a MIME type such as application/pdf")
	}
	if err := v.Err(); err != nil {
		return nil, apierr.Map(ctx, s.log, "UploadDocument", err)
	}
	if _, err := s.draft(ctx, s.db.Ent, c.OrgID, id); err != nil {
		return nil, apierr.Map(ctx, s.log, "UploadDocument", err)
	}

	key := blobKey(id)
	r := &chunkReader{stream: stream, max: s.maxDoc}
	size, sum, err := s.blobs.Put(ctx, key, r)
	if err != nil {
		var ce *connect.Error
		if errors.As(err, &ce) {
			return nil, ce
		}
		return nil, apierr.Map(ctx, s.log, "UploadDocument", fmt.Errorf("storing upload: %w", err))
	}

	var doc *ent.Document
	var replaced string
	err = s.db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
		if _, err := s.draft(ctx, tx.Ent, c.OrgID, id); err != nil {
			return err
		}
		nameKey := strings.ToLower(h.GetFileName())
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
		doc, err = tx.Ent.Document.Create().
			SetShipmentID(id).SetFileName(h.GetFileName()).SetFileNameKey(nameKey).
			SetMimeType(h.GetMimeType()).SetSize(size).SetSha256(sum).SetBlobKey(key).
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

// draft returns the caller's reserved, unsent shipment.
func (s *Service) draft(ctx context.Context, client *ent.Client, orgID int, id uuid.UUID) (*ent.Shipment, error) {
	sh, err := client.Shipment.Query().Where(shipment.ID(id), shipment.OrgID(orgID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apierr.NotFound("shipment " + id.String())
	}
	if err != nil {
		return nil, err
	}
	if sh.Status != shipment.StatusDRAFT {
		return nil, connect.NewError(connect.CodeFailedPrecondition,
			fmt.Errorf("shipment %s was already sent; documents can only be uploaded before SendShipment", id))
	}
	return sh, nil
}

// chunkReader reads the chunks of an upload stream as one byte stream.
type chunkReader struct {
	stream *connect.ClientStream[svarsignv1.UploadDocumentRequest]
	buf    []byte
	n      int64
	max    int64
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if !r.stream.Receive() {
			if err := r.stream.Err(); err != nil {
				return 0, err
			}
			return 0, io.EOF
		}
		msg := r.stream.Msg()
		if msg.GetHeader() != nil {
			return 0, apierr.Field("header", "only the first message may carry the header")
		}
		r.buf = msg.GetChunk()
		if len(r.buf) > maxChunk {
			return 0, apierr.Field("chunk", fmt.Sprintf("must be at most %d bytes (4 MiB); 256 KiB to 1 MiB is best", maxChunk))
		}
		r.n += int64(len(r.buf))
		if r.n > r.max {
			return 0, connect.NewError(connect.CodeResourceExhausted, fmt.Errorf("document is larger than the limit of %d bytes", r.max))
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// DownloadDocument streams a document of one of the caller's shipments.
func (s *Service) DownloadDocument(ctx context.Context, req *connect.Request[svarsignv1.DownloadDocumentRequest], stream *connect.ServerStream[svarsignv1.DownloadDocumentResponse]) error {
	c := caller(ctx)
	sid, err1 := uuid.Parse(req.Msg.GetShipmentId())
	did, err2 := uuid.Parse(req.Msg.GetDocumentId())
	var v domain.Violations
	if err1 != nil {
		v.Add("shipment_id", "must be a shipment id (UUID)")
	}
	if err2 != nil {
		v.Add("document_id", "must be a document id (UUID)")
	}
	if err := v.Err(); err != nil {
		return apierr.Map(ctx, s.log, "DownloadDocument", err)
	}
	doc, err := s.db.Ent.Document.Query().
		Where(document.ID(did), document.ShipmentID(sid), document.HasShipmentWith(shipment.OrgID(c.OrgID))).
		Only(ctx)
	if ent.IsNotFound(err) {
		return apierr.NotFound("document " + did.String())
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
