package schema

import (
	"context"
	"errors"
	"fmt"

	"entgo.io/ent"

	gen "github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/hook"
	"github.com/svarsign/svarsign/ent/shipment"
	"github.com/svarsign/svarsign/ent/signingorder"
	"github.com/svarsign/svarsign/server/domain"
)

// errBulkStatus refuses a status change written to many rows at once: the
// rules are per shipment, so each change names its one row.
var errBulkStatus = errors.New("status changes are written one row at a time (UpdateOne), so that each is checked")

// statusHook is the one place every shipment status write passes, whoever
// makes it: a new row must start in an initial status, and a change must be
// one domain.CanTransition allows. The change is made a compare-and-set on
// the status it was checked against, so a concurrent change in between
// makes this one fail (NotFound) instead of skipping the check.
func statusHook(next ent.Mutator) ent.Mutator {
	return hook.ShipmentFunc(func(ctx context.Context, m *gen.ShipmentMutation) (ent.Value, error) {
		to, set := m.Status()
		switch {
		case !set:
		case m.Op().Is(ent.OpCreate):
			if !to.Initial() {
				return nil, fmt.Errorf("new shipment in status %s: %w", to,
					&domain.TransitionError{Entity: "shipment", From: "(none)", To: string(to)})
			}
		case m.Op().Is(ent.OpUpdateOne):
			// Read the row, not the entity the update was built from
			// (m.OldStatus), which may be stale.
			id, _ := m.ID()
			s, err := m.Client().Shipment.Query().Where(shipment.ID(id)).Select(shipment.FieldStatus).String(ctx)
			if err != nil {
				return nil, err
			}
			from := domain.Status(s)
			if err := domain.CanTransition(from, to); err != nil {
				return nil, err
			}
			m.Where(shipment.StatusEQ(from))
		default:
			return nil, errBulkStatus
		}
		return next.Mutate(ctx, m)
	})
}

// signingStatusHook does for signing orders what statusHook does for
// shipments, with domain.CanTransitionSigning.
func signingStatusHook(next ent.Mutator) ent.Mutator {
	return hook.SigningOrderFunc(func(ctx context.Context, m *gen.SigningOrderMutation) (ent.Value, error) {
		to, set := m.Status()
		switch {
		case !set:
		case m.Op().Is(ent.OpCreate):
			if to != domain.SigningWaiting {
				return nil, &domain.TransitionError{Entity: "signing order", From: "(none)", To: string(to)}
			}
		case m.Op().Is(ent.OpUpdateOne):
			id, _ := m.ID()
			s, err := m.Client().SigningOrder.Query().Where(signingorder.ID(id)).Select(signingorder.FieldStatus).String(ctx)
			if err != nil {
				return nil, err
			}
			from := domain.SigningStatus(s)
			if err := domain.CanTransitionSigning(from, to); err != nil {
				return nil, err
			}
			m.Where(signingorder.StatusEQ(from))
		default:
			return nil, errBulkStatus
		}
		return next.Mutate(ctx, m)
	})
}

func (Shipment) Hooks() []ent.Hook { return []ent.Hook{statusHook} }

func (SigningOrder) Hooks() []ent.Hook { return []ent.Hook{signingStatusHook} }
