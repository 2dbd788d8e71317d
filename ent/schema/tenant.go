package schema

import (
	"context"
	"errors"
	"fmt"

	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/schema/mixin"

	gen "github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/document"
	"github.com/svarsign/svarsign/ent/hook"
	"github.com/svarsign/svarsign/ent/intercept"
	"github.com/svarsign/svarsign/ent/predicate"
	"github.com/svarsign/svarsign/ent/shipment"
	"github.com/svarsign/svarsign/ent/signingorder"
	"github.com/svarsign/svarsign/server/tenant"
)

// ErrNoScope is a write from a context that says on nobody's behalf it is
// made (see package tenant).
var ErrNoScope = errors.New("tenant: no scope in the context; set one with tenant.With where the caller becomes known")

// orgOwned filters every query and write of an entity with an org_id
// column by the context's tenant.Scope: an organisation sees and changes
// its own rows, the system all rows, anyone else none. A citizen's view,
// where the entity has one, is given by citizenView.
type orgOwned struct {
	mixin.Schema
	// citizenView restricts a query to what the citizen with the given
	// national identity number may see; nil means nothing.
	citizenView func(nationalID string) func(*sql.Selector)
}

func (m orgOwned) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{scopeFilter(func(org int) func(*sql.Selector) { return sql.FieldEQ("org_id", org) }, m.citizenView)}
}

func (orgOwned) Hooks() []ent.Hook {
	return []ent.Hook{func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			org, all, err := writeScope(ctx, m)
			switch {
			case err != nil:
				return nil, err
			case all:
			case m.Op().Is(ent.OpCreate):
				if v, _ := m.Field("org_id"); v != org {
					return nil, fmt.Errorf("tenant: %s of organisation %v created on behalf of organisation %d", m.Type(), v, org)
				}
			default:
				m.(interface{ WhereP(...func(*sql.Selector)) }).WhereP(sql.FieldEQ("org_id", org))
			}
			return next.Mutate(ctx, m)
		})
	}}
}

// Documents have no org_id of their own: they belong to their shipment's
// organisation.
type shipmentOwned struct{ mixin.Schema }

func (shipmentOwned) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{scopeFilter(
		func(org int) func(*sql.Selector) { return document.HasShipmentWith(shipment.OrgID(org)) },
		func(nin string) func(*sql.Selector) { return document.HasShipmentWith(addressedTo(nin)...) },
	)}
}

func (shipmentOwned) Hooks() []ent.Hook {
	return []ent.Hook{func(next ent.Mutator) ent.Mutator {
		return hook.DocumentFunc(func(ctx context.Context, m *gen.DocumentMutation) (ent.Value, error) {
			org, all, err := writeScope(ctx, m)
			switch {
			case err != nil:
				return nil, err
			case all:
			case m.Op().Is(ent.OpCreate):
				id, _ := m.ShipmentID()
				if ok, err := m.Client().Shipment.Query().Where(shipment.ID(id), shipment.OrgID(org)).Exist(ctx); err != nil {
					return nil, err
				} else if !ok {
					return nil, fmt.Errorf("tenant: document of shipment %s created on behalf of another organisation", id)
				}
			default:
				m.Where(document.HasShipmentWith(shipment.OrgID(org)))
			}
			return next.Mutate(ctx, m)
		})
	}}
}

// scopeFilter adds to every query the filter of the context's scope:
// nothing for the system, byOrg for an organisation, citizenView for a
// citizen (nil: nothing to see), and a false one without a scope.
func scopeFilter(byOrg func(org int) func(*sql.Selector), citizenView func(nationalID string) func(*sql.Selector)) ent.Interceptor {
	return ent.TraverseFunc(func(ctx context.Context, q ent.Query) error {
		w, err := intercept.NewQuery(q)
		if err != nil {
			return fmt.Errorf("tenant: %w", err)
		}
		s := tenant.From(ctx)
		if s.IsSystem() {
			return nil
		}
		if org, ok := s.OrgID(); ok {
			w.WhereP(byOrg(org))
			return nil
		}
		if nin, ok := s.CitizenID(); ok && citizenView != nil {
			w.WhereP(citizenView(nin))
			return nil
		}
		w.WhereP(func(sel *sql.Selector) { sel.Where(sql.False()) })
		return nil
	})
}

// writeScope is the organisation a write of m is made for, or all when
// the system makes it; any other scope may not write (a citizen's actions
// are written on behalf of the sender's organisation, see package tenant).
func writeScope(ctx context.Context, m ent.Mutation) (org int, all bool, err error) {
	s := tenant.From(ctx)
	if s.IsSystem() {
		return 0, true, nil
	}
	if org, ok := s.OrgID(); ok {
		return org, false, nil
	}
	return 0, false, fmt.Errorf("writing %s as %s: %w", m.Type(), s, ErrNoScope)
}

// addressedTo is what a citizen may see: shipments sent to them as a
// person.
func addressedTo(nin string) []predicate.Shipment {
	return []predicate.Shipment{
		shipment.DirectionEQ(shipment.DirectionOUTGOING),
		shipment.RecipientKindEQ(shipment.RecipientKindPERSON),
		shipment.RecipientID(nin),
	}
}

func shipmentCitizenView(nin string) func(*sql.Selector) {
	return shipment.And(addressedTo(nin)...)
}

func signingOrderCitizenView(nin string) func(*sql.Selector) {
	return signingorder.And(signingorder.SignerID(nin), signingorder.HasShipmentWith(addressedTo(nin)...))
}
