package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"
)

// Document is one file of a shipment. Its bytes live in the blob store under
// blob_key; the row holds what was measured on the way in.
type Document struct{ ent.Schema }

func (Document) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		field.UUID("shipment_id", uuid.UUID{}).Immutable(),
		field.String("file_name").NotEmpty(),
		field.String("file_name_key").NotEmpty().Comment("lower-cased file name: names are unique per shipment regardless of case"),
		field.String("mime_type").NotEmpty(),
		field.Int64("size"),
		field.String("sha256"),
		field.Bool("sign").Default(false),
		field.Bool("personally_sensitive").Default(false),
		field.JSON("metadata", map[string]string{}).Optional(),
		field.String("blob_key").NotEmpty(),
		field.Int("position").Default(0),
		field.Time("created_at").Default(nowUTC).Immutable(),
	}
}

func (Document) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("shipment", Shipment.Type).Ref("documents").Field("shipment_id").Unique().Required().Immutable(),
	}
}

func (Document) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("shipment_id", "file_name_key").Unique(),
	}
}

// Mixin scopes every query and write to the caller's tenant (tenant.go).
func (Document) Mixin() []ent.Mixin { return []ent.Mixin{shipmentOwned{}} }
