package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
)

// Webhook is an organisation's HTTP endpoint for events. The secret signs
// each delivery (HMAC-SHA256), so unlike API keys it is kept, not hashed.
// delivered_event_id is how far delivery has come: events are sent in id
// order, one at a time, so each shipment's events arrive in order.
type Webhook struct{ ent.Schema }

func (Webhook) Fields() []ent.Field {
	return []ent.Field{
		field.Int("org_id").Immutable(),
		field.String("url").NotEmpty(),
		field.String("secret").Sensitive().NotEmpty(),
		field.Int("delivered_event_id").Default(0),
		field.Time("created_at").Default(nowUTC).Immutable(),
		field.Bool("disabled").Default(false),
	}
}

// Mixin scopes every query and write to the caller's tenant (tenant.go).
func (Webhook) Mixin() []ent.Mixin { return []ent.Mixin{orgOwned{}} }
