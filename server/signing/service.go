// Package signing implements SigningService and the life of a signing order
// (signeringsoppdrag): registration with a shipment, cancellation by the
// sender, expiry at the deadline, and the signed result.
package signing

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/predicate"
	"github.com/svarsign/svarsign/ent/signingevent"
	"github.com/svarsign/svarsign/ent/signingorder"
	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/gen/go/svarsign/v1/svarsignv1connect"
	"github.com/svarsign/svarsign/server/apierr"
	"github.com/svarsign/svarsign/server/auth"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/pagetoken"
	"github.com/svarsign/svarsign/server/protoconv"
	"github.com/svarsign/svarsign/server/store"
)

// downloadChunk is the size of each streamed download message.
const downloadChunk = 256 << 10

// Service implements svarsignv1connect.SigningServiceHandler.
type Service struct {
	db    *database.DB
	blobs *store.Blobs
	log   *slog.Logger
	now   func() time.Time
}

var _ svarsignv1connect.SigningServiceHandler = (*Service)(nil)

// New returns the service; now is the clock used for cancellation times.
func New(db *database.DB, blobs *store.Blobs, log *slog.Logger, now func() time.Time) *Service {
	return &Service{db: db, blobs: blobs, log: log, now: now}
}

func caller(ctx context.Context) auth.Caller {
	c, ok := auth.FromContext(ctx)
	if !ok {
		panic("signing: handler reached without the auth interceptor")
	}
	return c
}

// ToProto converts a stored order.
func ToProto(o *ent.SigningOrder) *svarsignv1.SigningOrder {
	p := &svarsignv1.SigningOrder{
		SignatureType: protoconv.SignatureType(o.SignatureType),
		Deadline:      timestamppb.New(o.Deadline),
		DocumentId:    o.DocumentID.String(),
		FileName:      o.FileName,
		Status:        protoconv.SigningStatus(o.Status),
		RequireLevel4: o.RequireLevel4,
		ReplyTo:       o.ReplyTo,
		UpdateTime:    timestamppb.New(o.UpdatedAt),
	}
	if o.ReturnShipmentID != nil {
		p.ReturnShipmentId = o.ReturnShipmentID.String()
	}
	return p
}

// order loads the caller's order of a shipment; anything else is NotFound.
func (s *Service) order(ctx context.Context, client *ent.Client, shipmentID string) (*ent.SigningOrder, error) {
	id, err := uuid.Parse(shipmentID)
	if err != nil {
		return nil, domain.Invalid("shipment_id", domain.ReasonNotUUID, "must be a shipment id (UUID)")
	}
	o, err := client.SigningOrder.Query().
		Where(signingorder.ShipmentID(id)).
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil, domain.NotFound("signing order of shipment " + shipmentID)
	}
	return o, err
}

// GetSigningOrder returns the order of one shipment.
func (s *Service) GetSigningOrder(ctx context.Context, req *connect.Request[svarsignv1.GetSigningOrderRequest]) (*connect.Response[svarsignv1.GetSigningOrderResponse], error) {
	o, err := s.order(ctx, s.db.Ent, req.Msg.GetShipmentId())
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "GetSigningOrder", err)
	}
	return connect.NewResponse(&svarsignv1.GetSigningOrderResponse{SigningOrder: ToProto(o), ShipmentId: o.ShipmentID.String()}), nil
}

// ListSigningOrders lists the caller's orders newest first, keyset-paged.
func (s *Service) ListSigningOrders(ctx context.Context, req *connect.Request[svarsignv1.ListSigningOrdersRequest]) (*connect.Response[svarsignv1.ListSigningOrdersResponse], error) {
	msg := req.Msg
	var v domain.Violations
	size, ok := pagetoken.Size(msg.GetPageSize())
	if !ok {
		v.Add("page_size", domain.ReasonOutOfRange, pagetoken.SizeRule)
	}
	var preds []predicate.SigningOrder
	if len(msg.GetStatuses()) > 0 {
		var sts []domain.SigningStatus
		for i, st := range msg.GetStatuses() {
			s, ok := protoconv.SigningStatusFrom(st)
			if !ok {
				v.Add(fmt.Sprintf("statuses[%d]", i), domain.ReasonInvalidFormat, "must be a signing status other than UNSPECIFIED")
				continue
			}
			sts = append(sts, s)
		}
		preds = append(preds, signingorder.StatusIn(sts...))
	}
	if tok := msg.GetPageToken(); tok != "" {
		pos, err := pagetoken.Decode(tok)
		if err != nil {
			v.Add("page_token", domain.ReasonInvalidToken, "is not a token returned by ListSigningOrders")
		} else {
			preds = append(preds, signingorder.Or(
				signingorder.CreatedAtLT(pos.Time),
				signingorder.And(signingorder.CreatedAt(pos.Time), signingorder.IDLT(pos.ID)),
			))
		}
	}
	if err := v.Err(); err != nil {
		return nil, apierr.Map(ctx, s.log, "ListSigningOrders", err)
	}
	rows, err := s.db.Ent.SigningOrder.Query().Where(preds...).
		Order(ent.Desc(signingorder.FieldCreatedAt), ent.Desc(signingorder.FieldID)).
		Limit(size + 1).All(ctx)
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "ListSigningOrders", err)
	}
	out := &svarsignv1.ListSigningOrdersResponse{}
	if len(rows) > size {
		rows = rows[:size]
		last := rows[len(rows)-1]
		out.NextPageToken = pagetoken.Position{Time: last.CreatedAt, ID: last.ID}.Encode()
	}
	for _, o := range rows {
		out.SigningOrders = append(out.SigningOrders, &svarsignv1.SigningOrderSummary{ShipmentId: o.ShipmentID.String(), SigningOrder: ToProto(o)})
	}
	return connect.NewResponse(out), nil
}

// GetSigningHistory returns an order's events, oldest first.
func (s *Service) GetSigningHistory(ctx context.Context, req *connect.Request[svarsignv1.GetSigningHistoryRequest]) (*connect.Response[svarsignv1.GetSigningHistoryResponse], error) {
	o, err := s.order(ctx, s.db.Ent, req.Msg.GetShipmentId())
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "GetSigningHistory", err)
	}
	evs, err := s.db.Ent.SigningEvent.Query().
		Where(signingevent.SigningOrderID(o.ID)).
		Order(ent.Asc(signingevent.FieldID)).All(ctx)
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "GetSigningHistory", err)
	}
	out := &svarsignv1.GetSigningHistoryResponse{}
	for _, e := range evs {
		pe := &svarsignv1.SigningEvent{
			Time:   timestamppb.New(e.Time),
			Status: protoconv.SigningStatus(e.Status),
			Text:   e.Text,
		}
		if e.ReturnShipmentID != nil {
			pe.ReturnShipmentId = e.ReturnShipmentID.String()
		}
		out.Events = append(out.Events, pe)
	}
	return connect.NewResponse(out), nil
}

// CancelSigningOrder withdraws a WAITING order; it can then never be signed.
func (s *Service) CancelSigningOrder(ctx context.Context, req *connect.Request[svarsignv1.CancelSigningOrderRequest]) (*connect.Response[svarsignv1.CancelSigningOrderResponse], error) {
	if utf8.RuneCountInString(req.Msg.GetReason()) > domain.MaxReasonLen {
		return nil, domain.Invalid("reason", domain.ReasonTooLong, fmt.Sprintf("must be at most %d characters", domain.MaxReasonLen))
	}
	var out *ent.SigningOrder
	err := s.db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
		o, err := s.order(ctx, tx.Ent, req.Msg.GetShipmentId())
		if err != nil {
			return err
		}
		if o.Status != domain.SigningWaiting {
			return domain.Errorf(domain.ErrFailedPrecondition, "signing order is %s; only a waiting order can be cancelled", o.Status)
		}
		text := "Cancelled by the sender"
		if r := strings.TrimSpace(req.Msg.GetReason()); r != "" {
			text += ": " + r
		}
		out, err = transition(ctx, tx, o, domain.SigningCancelled, text)
		return err
	})
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "CancelSigningOrder", err)
	}
	return connect.NewResponse(&svarsignv1.CancelSigningOrderResponse{SigningOrder: ToProto(out)}), nil
}

// signed loads an order that must be SIGNED.
func (s *Service) signed(ctx context.Context, shipmentID string) (*ent.SigningOrder, error) {
	o, err := s.order(ctx, s.db.Ent, shipmentID)
	if err != nil {
		return nil, err
	}
	if o.Status != domain.SigningSigned {
		return nil, domain.Errorf(domain.ErrFailedPrecondition, "signing order is %s; the signed document exists once it is SIGNED", o.Status)
	}
	return o, nil
}

// DownloadSignedDocument streams the signed PDF.
func (s *Service) DownloadSignedDocument(ctx context.Context, req *connect.Request[svarsignv1.DownloadSignedDocumentRequest], stream *connect.ServerStream[svarsignv1.DownloadSignedDocumentResponse]) error {
	o, err := s.signed(ctx, req.Msg.GetShipmentId())
	if err != nil {
		return apierr.Map(ctx, s.log, "DownloadSignedDocument", err)
	}
	rc, err := s.blobs.Open(ctx, o.SignedBlobKey)
	if err != nil {
		return apierr.Map(ctx, s.log, "DownloadSignedDocument", err)
	}
	defer rc.Close()
	doc := &svarsignv1.Document{
		Id:        o.ID.String(),
		FileName:  SignedFileName(o.FileName),
		MimeType:  "application/pdf",
		SizeBytes: o.SignedSize,
		Sha256:    o.SignedSha256,
	}
	if err := stream.Send(&svarsignv1.DownloadSignedDocumentResponse{Document: doc}); err != nil {
		return err
	}
	err = store.Chunks(rc, downloadChunk, func(b []byte) error {
		return stream.Send(&svarsignv1.DownloadSignedDocumentResponse{Chunk: b})
	})
	return apierr.Map(ctx, s.log, "DownloadSignedDocument", err)
}

// SignedFileName names the signed copy of a document: "kontrakt.pdf" →
// "kontrakt-signert.pdf".
func SignedFileName(name string) string {
	base := strings.TrimSuffix(name, ".pdf")
	base = strings.TrimSuffix(base, ".PDF")
	return base + "-signert.pdf"
}

// GetEvidence returns the evidence JSON of a signed order.
func (s *Service) GetEvidence(ctx context.Context, req *connect.Request[svarsignv1.GetEvidenceRequest]) (*connect.Response[svarsignv1.GetEvidenceResponse], error) {
	o, err := s.signed(ctx, req.Msg.GetShipmentId())
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "GetEvidence", err)
	}
	return connect.NewResponse(&svarsignv1.GetEvidenceResponse{EvidenceJson: o.Evidence}), nil
}
