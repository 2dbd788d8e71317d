package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"

	"github.com/svarsign/svarsign/server/domain"
)

// ShipmentEvent is one entry of a shipment's history. The auto-increment id
// orders all events of an organisation, which makes it a stream cursor too.
type ShipmentEvent struct{ ent.Schema }

func (ShipmentEvent) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("shipment_id", uuid.UUID{}).Immutable(),
		field.Int("org_id").Immutable(),
		field.Time("time").Default(nowUTC).Immutable(),
		field.String("status").GoType(domain.Status("")).Immutable(),
		field.String("text").Immutable(),
	}
}

func (ShipmentEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("shipment", Shipment.Type).Ref("events").Field("shipment_id").Unique().Required().Immutable(),
	}
}

func (ShipmentEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("org_id", "id"),
	}
}

// Mixin scopes every query and write to the caller's tenant (tenant.go).
func (ShipmentEvent) Mixin() []ent.Mixin { return []ent.Mixin{orgOwned{}} }
