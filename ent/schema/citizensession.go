package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
)

// CitizenSession is a logged-in citizen in the built-in mailbox. Only a hash
// of the cookie value is stored.
type CitizenSession struct{ ent.Schema }

func (CitizenSession) Fields() []ent.Field {
	return []ent.Field{
		field.Bytes("token_hash").Unique().Immutable(),
		field.String("national_id").Immutable(),
		field.String("name").Immutable(),
		field.Int("level").Immutable(),
		field.String("csrf").Sensitive().Immutable(),
		field.Time("created_at").Default(nowUTC).Immutable(),
		field.Time("expires_at").Immutable(),
	}
}
