package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
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
		field.String("shipment_status").Immutable(),
		field.String("signing_status").Default("").Immutable(),
		field.String("text").Immutable(),
	}
}

func (Event) Indexes() []ent.Index {
	return []ent.Index{index.Fields("org_id", "id")}
}
