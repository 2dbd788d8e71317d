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
	return []ent.Interceptor{ent.TraverseFunc(func(ctx context.Context, q ent.Query) error {
		w, err := intercept.NewQuery(q)
		if err != nil {
			return fmt.Errorf("tenant: %w", err)
		}
		w.WhereP(readFilter(tenant.From(ctx), sql.FieldEQ("org_id", tenantOrg(ctx)), m.citizenView))
		return nil
	})}
}

func (orgOwned) Hooks() []ent.Hook {
	return []ent.Hook{func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			s := tenant.From(ctx)
			if s.IsSystem() {
				return next.Mutate(ctx, m)
			}
			org, ok := s.OrgID()
			if !ok {
				return nil, fmt.Errorf("writing %s as %s: %w", m.Type(), s, ErrNoScope)
			}
			if m.Op().Is(ent.OpCreate) {
				if v, _ := m.Field("org_id"); v != org {
					return nil, fmt.Errorf("tenant: %s of organisation %v created on behalf of organisation %d", m.Type(), v, org)
				}
				return next.Mutate(ctx, m)
			}
			m.(interface{ WhereP(...func(*sql.Selector)) }).WhereP(sql.FieldEQ("org_id", org))
			return next.Mutate(ctx, m)
		})
	}}
}

// Documents have no org_id of their own: they belong to their shipment's
// organisation.
type shipmentOwned struct{ mixin.Schema }

func (shipmentOwned) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{ent.TraverseFunc(func(ctx context.Context, q ent.Query) error {
		w, err := intercept.NewQuery(q)
		if err != nil {
			return fmt.Errorf("tenant: %w", err)
		}
		byOrg := func(*sql.Selector) {}
		if org, ok := tenant.From(ctx).OrgID(); ok {
			byOrg = document.HasShipmentWith(shipment.OrgID(org))
		}
		w.WhereP(readFilter(tenant.From(ctx), byOrg, func(nin string) func(*sql.Selector) {
			return document.HasShipmentWith(addressedTo(nin)...)
		}))
		return nil
	})}
}

func (shipmentOwned) Hooks() []ent.Hook {
	return []ent.Hook{func(next ent.Mutator) ent.Mutator {
		return hook.DocumentFunc(func(ctx context.Context, m *gen.DocumentMutation) (ent.Value, error) {
			s := tenant.From(ctx)
			if s.IsSystem() {
				return next.Mutate(ctx, m)
			}
			org, ok := s.OrgID()
			if !ok {
				return nil, fmt.Errorf("writing %s as %s: %w", m.Type(), s, ErrNoScope)
			}
			if m.Op().Is(ent.OpCreate) {
				// The shipment query is itself filtered by the scope.
				id, _ := m.ShipmentID()
				if ok, err := m.Client().Shipment.Query().Where(shipment.ID(id), shipment.OrgID(org)).Exist(ctx); err != nil {
					return nil, err
				} else if !ok {
					return nil, fmt.Errorf("tenant: document of shipment %s created on behalf of another organisation", id)
				}
				return next.Mutate(ctx, m)
			}
			m.Where(document.HasShipmentWith(shipment.OrgID(org)))
			return next.Mutate(ctx, m)
		})
	}}
}

// readFilter is the predicate for scope s: everything for the system,
// byOrg for an organisation, the citizen's view for a citizen, and
// nothing otherwise.
func readFilter(s tenant.Scope, byOrg func(*sql.Selector), citizenView func(string) func(*sql.Selector)) func(*sql.Selector) {
	switch {
	case s.IsSystem():
		return func(*sql.Selector) {}
	case func() bool { _, ok := s.OrgID(); return ok }():
		return byOrg
	}
	if nin, ok := s.CitizenID(); ok && citizenView != nil {
		return citizenView(nin)
	}
	return func(sel *sql.Selector) { sel.Where(sql.False()) }
}

func tenantOrg(ctx context.Context) int {
	org, _ := tenant.From(ctx).OrgID()
	return org
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
