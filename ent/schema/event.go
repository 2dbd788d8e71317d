package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"

	"github.com/svarsign/svarsign/server/domain"
)

// Event is the organisation's outbox: one row per status or signing change
// of any of its shipments, written in the transaction of the change. Its
// increasing id is the WatchEvents cursor and each webhook's position.
type Event struct{ ent.Schema }

func (Event) Fields() []ent.Field {
	return []ent.Field{
		field.Int("org_id").Immutable(),
		field.UUID("shipment_id", uuid.UUID{}).Immutable(),
		field.Time("time").Default(nowUTC).Immutable(),
		field.String("shipment_status").GoType(domain.Status("")).Immutable(),
		field.String("signing_status").GoType(domain.SigningStatus("")).Default("").Immutable().Comment("empty without a signing order"),
		field.String("text").Immutable(),
	}
}

func (Event) Indexes() []ent.Index {
	return []ent.Index{index.Fields("org_id", "id")}
}

// Mixin scopes every query and write to the caller's tenant (tenant.go).
func (Event) Mixin() []ent.Mixin { return []ent.Mixin{orgOwned{}} }
