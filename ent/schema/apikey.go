package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// APIKey lets a system act for one organisation. Only a hash of the secret is
// stored; the key id is public and names the key in logs.
type APIKey struct{ ent.Schema }

func (APIKey) Fields() []ent.Field {
	return []ent.Field{
		field.String("key_id").Unique().NotEmpty().Immutable(),
		field.Bytes("secret_hash").Sensitive().NotEmpty(),
		field.Int("org_id").Immutable(),
		field.String("label").Default(""),
		field.Time("created_at").Default(nowUTC).Immutable(),
		field.Time("revoked_at").Optional().Nillable(),
	}
}

func (APIKey) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("org", Org.Type).Ref("api_keys").Field("org_id").Unique().Required().Immutable(),
	}
}

// Mixin scopes every query and write to the caller's tenant (tenant.go).
func (APIKey) Mixin() []ent.Mixin { return []ent.Mixin{orgOwned{}} }
