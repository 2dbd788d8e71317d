package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// User is a case worker (saksbehandler) who sends shipments by hand on the
// manual submission page, always on behalf of one organisation. The e-mail
// address is stored lower-cased and is unique within the organisation; the
// password only as an argon2id hash in PHC string form.
type User struct{ ent.Schema }

func (User) Fields() []ent.Field {
	return []ent.Field{
		field.Int("org_id").Immutable(),
		field.String("email").NotEmpty().MaxLen(254),
		field.String("password_hash").Sensitive().NotEmpty(),
		field.Time("created_at").Default(nowUTC).Immutable(),
	}
}

func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("org", Org.Type).Ref("users").Field("org_id").Unique().Required().Immutable(),
		edge.To("sessions", UserSession.Type),
	}
}

func (User) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("org_id", "email").Unique(),
	}
}

// Mixin scopes every query and write to the caller's tenant (tenant.go).
func (User) Mixin() []ent.Mixin { return []ent.Mixin{orgOwned{}} }
