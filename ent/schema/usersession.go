package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// UserSession is a case worker logged in on the manual submission page.
// Only a hash of the cookie value is stored, so a copy of the database
// gives away no session; csrf is the token the page must echo in a header
// on every call the cookie authenticates.
type UserSession struct{ ent.Schema }

func (UserSession) Fields() []ent.Field {
	return []ent.Field{
		field.Bytes("token_hash").Unique().Immutable(),
		field.Int("user_id").Immutable(),
		field.String("csrf").Sensitive().Immutable(),
		field.Time("created_at").Default(nowUTC).Immutable(),
		field.Time("expires_at").Immutable(),
	}
}

func (UserSession) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("sessions").Field("user_id").Unique().Required().Immutable(),
	}
}

func (UserSession) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("expires_at"),
	}
}
