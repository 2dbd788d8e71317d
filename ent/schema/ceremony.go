package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"github.com/google/uuid"
)

// Ceremony is one started signing at the provider (the provider's job in
// the direct style): a single-use, expiring token, stored hashed, that lets
// the identified signer reach the provider's sign/reject page once.
type Ceremony struct{ ent.Schema }

func (Ceremony) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		field.Bytes("token_hash").Unique().Immutable(),
		field.UUID("shipment_id", uuid.UUID{}).Immutable(),
		field.String("signer_id").Immutable(),
		field.String("signer_name").Immutable(),
		field.Int("level").Immutable(),
		field.Time("created_at").Default(nowUTC).Immutable(),
		field.Time("expires_at").Immutable(),
		field.Time("used_at").Optional().Nillable(),
	}
}
