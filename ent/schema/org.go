package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Org is a sender organisation (avsender/konto), a tenant: every shipment,
// key and user belongs to exactly one.
type Org struct{ ent.Schema }

func (Org) Fields() []ent.Field {
	return []ent.Field{
		field.String("number").Unique().NotEmpty().MaxLen(9).Comment("9-digit organisation number"),
		field.String("name").NotEmpty().MaxLen(200),
		field.Time("created_at").Default(nowUTC).Immutable(),
		field.Int("events_purged_through").Default(0).Comment("highest event id deleted by retention; older WatchEvents cursors cannot resume"),
	}
}

func (Org) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("api_keys", APIKey.Type),
		edge.To("shipments", Shipment.Type),
		edge.To("users", User.Type),
	}
}
