package shipment

import (
	"context"
	"fmt"
	"strings"

	"connectrpc.com/connect"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/document"
	"github.com/svarsign/svarsign/ent/predicate"
	"github.com/svarsign/svarsign/ent/shipment"
	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/server/apierr"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/pagetoken"
	"github.com/svarsign/svarsign/server/tenant"
)

// The Inbox (SvarInn) offers incoming shipments until the organisation's
// system acknowledges them: at least once, oldest first. ListIncoming pages
// through pending shipments first and, if asked, then the rest.
const (
	phasePending = "p"
	phaseDone    = "d"
)

// ListIncoming lists the caller's incoming shipments, unacknowledged first.
func (s *Service) ListIncoming(ctx context.Context, req *connect.Request[svarsignv1.ListIncomingRequest]) (*connect.Response[svarsignv1.ListIncomingResponse], error) {
	msg := req.Msg
	size, ok := pagetoken.Size(msg.GetPageSize())
	if !ok {
		return nil, domain.Invalid("page_size", domain.ReasonOutOfRange, pagetoken.SizeRule)
	}
	phase, after := phasePending, ""
	if tok := msg.GetPageToken(); tok != "" {
		var ok bool
		phase, after, ok = strings.Cut(tok, ".")
		if !ok || (phase != phasePending && phase != phaseDone) || (phase == phaseDone && !msg.GetIncludeAcknowledged()) {
			return nil, domain.Invalid("page_token", domain.ReasonInvalidToken, "is not a token returned by ListIncoming with the same include_acknowledged")
		}
	}
	out := &svarsignv1.ListIncomingResponse{}
	for len(out.Shipments) < size {
		rows, next, err := s.incomingPage(ctx, phase == phasePending, after, size-len(out.Shipments))
		if err != nil {
			return nil, apierr.Map(ctx, s.log, "ListIncoming", err)
		}
		for _, r := range rows {
			out.Shipments = append(out.Shipments, shipmentToProto(r))
		}
		if next != "" {
			out.NextPageToken = phase + "." + next
			break
		}
		if phase == phaseDone || !msg.GetIncludeAcknowledged() {
			break
		}
		phase, after = phaseDone, ""
	}
	return connect.NewResponse(out), nil
}

// incomingPage returns up to n incoming shipments of one phase after the
// keyset position, oldest first, and the position to continue from ("" when
// the phase is exhausted).
func (s *Service) incomingPage(ctx context.Context, pending bool, after string, n int) ([]*ent.Shipment, string, error) {
	preds := []predicate.Shipment{
		shipment.DirectionEQ(shipment.DirectionINCOMING), shipment.Pending(pending),
	}
	if after != "" {
		pt, err := pagetoken.Decode(after)
		if err != nil {
			return nil, "", domain.Invalid("page_token", domain.ReasonInvalidToken, "is not a token returned by ListIncoming")
		}
		preds = append(preds, shipment.Or(
			shipment.SentAtGT(pt.Time),
			shipment.And(shipment.SentAt(pt.Time), shipment.IDGT(pt.ID)),
		))
	}
	rows, err := s.db.Ent.Shipment.Query().Where(preds...).
		Order(ent.Asc(shipment.FieldSentAt), ent.Asc(shipment.FieldID)).
		Limit(n + 1).
		WithDocuments(func(q *ent.DocumentQuery) { q.Order(ent.Asc(document.FieldPosition)) }).
		All(ctx)
	if err != nil {
		return nil, "", err
	}
	if len(rows) <= n {
		return rows, "", nil
	}
	rows = rows[:n]
	last := rows[n-1]
	return rows, pagetoken.Position{Time: *last.SentAt, ID: last.ID}.Encode(), nil
}

// incoming loads one of the caller's incoming shipments in tx.
func (s *Service) incoming(ctx context.Context, tx *database.Tx, rawID string) (*ent.Shipment, error) {
	id, err := parseID("id", rawID)
	if err != nil {
		return nil, err
	}
	sh, err := tx.Ent.Shipment.Query().
		Where(shipment.ID(id), shipment.DirectionEQ(shipment.DirectionINCOMING)).
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil, domain.NotFound("incoming shipment " + rawID)
	}
	return sh, err
}

// AcknowledgeIncoming confirms pickup (kvitterMottak): the shipment leaves
// the queue and is READ. Acknowledging again changes nothing.
func (s *Service) AcknowledgeIncoming(ctx context.Context, req *connect.Request[svarsignv1.AcknowledgeIncomingRequest]) (*connect.Response[svarsignv1.AcknowledgeIncomingResponse], error) {
	err := s.db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
		sh, err := s.incoming(ctx, tx, req.Msg.GetId())
		if err != nil {
			return err
		}
		if sh.AcknowledgedAt != nil {
			return nil
		}
		if !sh.Pending {
			return domain.Errorf(domain.ErrFailedPrecondition, "shipment %s was rejected permanently and cannot be acknowledged", sh.ID)
		}
		if err := sh.Update().SetAcknowledgedAt(s.now()).SetPending(false).Exec(ctx); err != nil {
			return err
		}
		if _, err = tx.RecordStatus(ctx, sh.ID, domain.StatusRead, "Acknowledged by the receiving system"); err != nil {
			return err
		}
		return tellSender(ctx, tx, sh, domain.StatusRead, "Picked up and acknowledged by the recipient organisation's system")
	})
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "AcknowledgeIncoming", err)
	}
	return connect.NewResponse(&svarsignv1.AcknowledgeIncomingResponse{}), nil
}

// RejectIncoming reports a failed pickup (mottakFeilet). A temporary failure
// keeps the shipment in the queue; a permanent one rejects it.
func (s *Service) RejectIncoming(ctx context.Context, req *connect.Request[svarsignv1.RejectIncomingRequest]) (*connect.Response[svarsignv1.RejectIncomingResponse], error) {
	message := strings.TrimSpace(req.Msg.GetMessage())
	if message == "" || tooLong(message, domain.MaxReasonLen) {
		reason := domain.ReasonTooLong
		if message == "" {
			reason = domain.ReasonRequired
		}
		return nil, domain.Invalid("message", reason, fmt.Sprintf("is required, at most %d characters: why the pickup failed", domain.MaxReasonLen))
	}
	err := s.db.InTx(ctx, func(ctx context.Context, tx *database.Tx) error {
		sh, err := s.incoming(ctx, tx, req.Msg.GetId())
		if err != nil {
			return err
		}
		if !sh.Pending {
			return domain.Errorf(domain.ErrFailedPrecondition, "shipment %s is no longer waiting for pickup", sh.ID)
		}
		if !req.Msg.GetPermanent() {
			if _, err := tx.RecordNote(ctx, sh.ID, "Pickup failed, will be offered again: "+message); err != nil {
				return err
			}
			return tellSender(ctx, tx, sh, "", "The recipient organisation's system could not take it yet: "+message)
		}
		if err := sh.Update().SetPending(false).Exec(ctx); err != nil {
			return err
		}
		if _, err = tx.RecordStatus(ctx, sh.ID, domain.StatusRejected, "Rejected permanently by the receiving system: "+message); err != nil {
			return err
		}
		return tellSender(ctx, tx, sh, domain.StatusRejected, "Refused by the recipient organisation's system: "+message)
	})
	if err != nil {
		return nil, apierr.Map(ctx, s.log, "RejectIncoming", err)
	}
	return connect.NewResponse(&svarsignv1.RejectIncomingResponse{}), nil
}

// tellSender records on the sender's original what happened to its Inbox
// copy (delivered between organisations): the original moves to status, or
// only gets the event when status is "". Shipments that are not copies, such
// as returned signed documents, have no original to tell.
func tellSender(ctx context.Context, tx *database.Tx, incoming *ent.Shipment, status domain.Status, text string) error {
	if incoming.DeliveredFrom == nil {
		return nil
	}
	// The original is the sending organisation's: written across
	// organisations on purpose, as the delivery that made the copy was.
	ctx = tenant.With(ctx, tenant.System("tell the sender of an Inbox copy"))
	orig, err := tx.Ent.Shipment.Get(ctx, *incoming.DeliveredFrom)
	if err != nil {
		return err
	}
	switch {
	case status == "":
		_, err = tx.RecordNote(ctx, orig.ID, text)
	case orig.Status == domain.StatusReadyForPickup:
		_, err = tx.RecordStatus(ctx, orig.ID, status, text)
	}
	return err
}
