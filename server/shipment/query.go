package shipment

import (
	"context"
	"fmt"
	"strings"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/document"
	"github.com/svarsign/svarsign/ent/predicate"
	"github.com/svarsign/svarsign/ent/shipment"
	"github.com/svarsign/svarsign/ent/shipmentevent"
	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/server/apierr"
	"github.com/svarsign/svarsign/server/auth"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/pagetoken"
	"github.com/svarsign/svarsign/server/protoconv"
)

// maxStatusIDs bounds one GetStatuses call.
const maxStatusIDs = 500

// visible restricts a query to sent or received shipments: drafts are not
// shipments yet. (Which organisation's is the tenant scope's business; see
// package tenant.)
func visible() predicate.Shipment {
	return shipment.StatusNEQ(domain.StatusDraft)
}

// load returns one visible shipment with its documents.
func (s *Service) load(ctx context.Context, client *ent.Client, c auth.Caller, id uuid.UUID) (*ent.Shipment, error) {
	sh, err := client.Shipment.Query().
		Where(shipment.ID(id), visible()).
		WithDocuments(func(q *ent.DocumentQuery) { q.Order(ent.Asc(document.FieldPosition)) }).
		WithSigningOrder().
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil, domain.NotFound("shipment " + id.String())
	}
	return sh, err
}

func parseID(field, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, domain.Invalid(field, domain.ReasonNotUUID, "must be a shipment id (UUID)")
	}
	return id, nil
}

// GetShipment returns one shipment.
func (s *Service) GetShipment(ctx context.Context, req *connect.Request[svarsignv1.GetShipmentRequest]) (*connect.Response[svarsignv1.GetShipmentResponse], error) {
	id, err := parseID("id", req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	sh, err := s.load(ctx, s.db.Ent, caller(ctx), id)
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "GetShipment", err)
	}
	return connect.NewResponse(&svarsignv1.GetShipmentResponse{Shipment: shipmentToProto(sh)}), nil
}

// ListShipments lists visible shipments newest first, with keyset paging.
func (s *Service) ListShipments(ctx context.Context, req *connect.Request[svarsignv1.ListShipmentsRequest]) (*connect.Response[svarsignv1.ListShipmentsResponse], error) {
	msg := req.Msg
	var v domain.Violations
	size, ok := pagetoken.Size(msg.GetPageSize())
	if !ok {
		v.Add("page_size", domain.ReasonOutOfRange, pagetoken.SizeRule)
	}
	preds := []predicate.Shipment{visible()}
	dir := shipment.DirectionOUTGOING
	if msg.GetDirection() == svarsignv1.Direction_DIRECTION_INCOMING {
		dir = shipment.DirectionINCOMING
	}
	preds = append(preds, shipment.DirectionEQ(dir))
	if len(msg.GetStatuses()) > 0 {
		var sts []domain.Status
		for i, st := range msg.GetStatuses() {
			s, ok := protoconv.StatusFrom(st)
			if !ok {
				v.Add(fmt.Sprintf("statuses[%d]", i), domain.ReasonInvalidFormat, "must be a shipment status other than UNSPECIFIED")
				continue
			}
			sts = append(sts, s)
		}
		preds = append(preds, shipment.StatusIn(sts...))
	}
	if r := msg.GetExternalRef(); tooLong(r, domain.MaxExternalRefLen) {
		v.Addf("external_ref", domain.ReasonTooLong, "must be at most %d characters, like the external_ref of a send", domain.MaxExternalRefLen)
	} else if r != "" {
		preds = append(preds, shipment.ExternalRef(r))
	}
	if r := msg.GetRecipient(); r != "" && !isDigits(r, 9) && !isDigits(r, 11) {
		v.Add("recipient", domain.ReasonInvalidFormat, "must be a 9-digit organisation number or an 11-digit national identity number")
	} else if r != "" {
		preds = append(preds, shipment.RecipientID(r))
	}
	if b := msg.GetBatchId(); b != "" {
		id, err := uuid.Parse(b)
		if err != nil {
			v.Add("batch_id", domain.ReasonNotUUID, "must be a UUID")
		} else {
			preds = append(preds, shipment.BatchID(id))
		}
	}
	if t := msg.GetCreatedAfter(); t != nil {
		preds = append(preds, shipment.SentAtGTE(t.AsTime()))
	}
	if t := msg.GetCreatedBefore(); t != nil {
		preds = append(preds, shipment.SentAtLT(t.AsTime()))
	}
	if tok := msg.GetPageToken(); tok != "" {
		pt, err := pagetoken.Decode(tok)
		if err != nil {
			v.Add("page_token", domain.ReasonInvalidToken, "is not a token returned by ListShipments")
		} else {
			preds = append(preds, shipment.Or(
				shipment.SentAtLT(pt.Time),
				shipment.And(shipment.SentAt(pt.Time), shipment.IDLT(pt.ID)),
			))
		}
	}
	if err := v.Err(); err != nil {
		return nil, apierr.Map(ctx, s.log, "ListShipments", err)
	}
	rows, err := s.db.Ent.Shipment.Query().Where(preds...).
		Order(ent.Desc(shipment.FieldSentAt), ent.Desc(shipment.FieldID)).
		Limit(size + 1).
		WithDocuments(func(q *ent.DocumentQuery) { q.Order(ent.Asc(document.FieldPosition)) }).
		WithSigningOrder().
		All(ctx)
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "ListShipments", err)
	}
	out := &svarsignv1.ListShipmentsResponse{}
	if len(rows) > size {
		rows = rows[:size]
		last := rows[len(rows)-1]
		out.NextPageToken = pagetoken.Position{Time: *last.SentAt, ID: last.ID}.Encode()
	}
	for _, r := range rows {
		out.Shipments = append(out.Shipments, shipmentToProto(r))
	}
	return connect.NewResponse(out), nil
}

// GetStatuses returns the statuses of several shipments in the order asked.
func (s *Service) GetStatuses(ctx context.Context, req *connect.Request[svarsignv1.GetStatusesRequest]) (*connect.Response[svarsignv1.GetStatusesResponse], error) {
	var v domain.Violations
	ids := req.Msg.GetIds()
	switch {
	case len(ids) == 0:
		v.Addf("ids", domain.ReasonRequired, "must hold between 1 and %d shipment ids", maxStatusIDs)
	case len(ids) > maxStatusIDs:
		v.Addf("ids", domain.ReasonTooMany, "must hold between 1 and %d shipment ids", maxStatusIDs)
	}
	parsed := make([]uuid.UUID, 0, len(ids))
	for i, s := range ids {
		id, err := uuid.Parse(s)
		if err != nil {
			v.Add(fmt.Sprintf("ids[%d]", i), domain.ReasonNotUUID, "must be a shipment id (UUID)")
			continue
		}
		parsed = append(parsed, id)
	}
	if err := v.Err(); err != nil {
		return nil, apierr.Map(ctx, s.log, "GetStatuses", err)
	}
	rows, err := s.db.Ent.Shipment.Query().Where(shipment.IDIn(parsed...), visible()).WithSigningOrder().All(ctx)
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "GetStatuses", err)
	}
	byID := make(map[uuid.UUID]*ent.Shipment, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	out := &svarsignv1.GetStatusesResponse{}
	for _, id := range parsed {
		if r, ok := byID[id]; ok {
			p := shipmentToProto(r)
			out.Statuses = append(out.Statuses, &svarsignv1.ShipmentStatusInfo{
				Id: p.Id, Status: p.Status, UpdateTime: p.UpdateTime,
				SigningStatus: p.GetSigningOrder().GetStatus(),
			})
		}
	}
	return connect.NewResponse(out), nil
}

// GetHistory returns a shipment's events, oldest first.
func (s *Service) GetHistory(ctx context.Context, req *connect.Request[svarsignv1.GetHistoryRequest]) (*connect.Response[svarsignv1.GetHistoryResponse], error) {
	id, err := parseID("id", req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	if n, err := s.db.Ent.Shipment.Query().Where(shipment.ID(id), visible()).Count(ctx); err != nil {
		return nil, apierr.Map(ctx, s.log, "GetHistory", err)
	} else if n == 0 {
		return nil, domain.NotFound("shipment " + id.String())
	}
	evs, err := s.db.Ent.ShipmentEvent.Query().
		Where(shipmentevent.ShipmentID(id)).
		Order(ent.Asc(shipmentevent.FieldID)).All(ctx)
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "GetHistory", err)
	}
	out := &svarsignv1.GetHistoryResponse{}
	for _, e := range evs {
		out.Events = append(out.Events, eventToProto(e))
	}
	return connect.NewResponse(out), nil
}

// FindByExternalRef finds the caller's shipments with a reference, newest first.
func (s *Service) FindByExternalRef(ctx context.Context, req *connect.Request[svarsignv1.FindByExternalRefRequest]) (*connect.Response[svarsignv1.FindByExternalRefResponse], error) {
	ref := req.Msg.GetExternalRef()
	if strings.TrimSpace(ref) == "" {
		return nil, domain.Invalid("external_ref", domain.ReasonRequired, "is required")
	}
	if tooLong(ref, domain.MaxExternalRefLen) {
		return nil, domain.Invalid("external_ref", domain.ReasonTooLong, fmt.Sprintf("must be at most %d characters, like the external_ref of a send", domain.MaxExternalRefLen))
	}
	rows, err := s.db.Ent.Shipment.Query().Where(visible(), shipment.ExternalRef(ref)).
		Order(ent.Desc(shipment.FieldSentAt), ent.Desc(shipment.FieldID)).
		Limit(pagetoken.MaxSize).
		WithDocuments(func(q *ent.DocumentQuery) { q.Order(ent.Asc(document.FieldPosition)) }).
		WithSigningOrder().
		All(ctx)
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "FindByExternalRef", err)
	}
	out := &svarsignv1.FindByExternalRefResponse{}
	for _, r := range rows {
		out.Shipments = append(out.Shipments, shipmentToProto(r))
	}
	return connect.NewResponse(out), nil
}

// MarkRead moves a delivered shipment to READ; marking a READ shipment again
// changes nothing.
func (s *Service) MarkRead(ctx context.Context, req *connect.Request[svarsignv1.MarkReadRequest]) (*connect.Response[svarsignv1.MarkReadResponse], error) {
	c := caller(ctx)
	id, err := parseID("id", req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	err = s.db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
		sh, err := s.load(ctx, tx.Ent, c, id)
		if err != nil {
			return err
		}
		if sh.Status == domain.StatusRead {
			return nil
		}
		if _, err = tx.RecordStatus(ctx, id, domain.StatusRead, "Marked as read by the sender's system"); err != nil {
			return fmt.Errorf("shipment %s cannot be marked read: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "MarkRead", err)
	}
	sh, err := s.load(ctx, s.db.Ent, c, id)
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "MarkRead", err)
	}
	return connect.NewResponse(&svarsignv1.MarkReadResponse{Shipment: shipmentToProto(sh)}), nil
}
