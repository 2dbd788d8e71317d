package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"github.com/google/uuid"

	"github.com/svarsign/svarsign/server/domain"
)

// SigningEvent is one entry of a signing order's own history: registered,
// started, completed, rejected, expired, cancelled.
type SigningEvent struct{ ent.Schema }

func (SigningEvent) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("signing_order_id", uuid.UUID{}).Immutable(),
		field.Int("org_id").Immutable(),
		field.Time("time").Default(nowUTC).Immutable(),
		field.String("status").GoType(domain.SigningStatus("")).Immutable(),
		field.String("text").Immutable(),
		field.UUID("return_shipment_id", uuid.UUID{}).Optional().Nillable().Immutable(),
	}
}

func (SigningEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("signing_order", SigningOrder.Type).Ref("events").Field("signing_order_id").Unique().Required().Immutable(),
	}
}

// Mixin scopes every query and write to the caller's tenant (tenant.go).
func (SigningEvent) Mixin() []ent.Mixin { return []ent.Mixin{orgOwned{}} }
