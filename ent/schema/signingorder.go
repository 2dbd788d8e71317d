package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"

	"github.com/svarsign/svarsign/server/domain"
)

// SigningOrder is the signeringsoppdrag of one shipment: its recipient is
// asked to sign one of the shipment's documents before a deadline.
type SigningOrder struct{ ent.Schema }

func (SigningOrder) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		field.UUID("shipment_id", uuid.UUID{}).Unique().Immutable(),
		field.Int("org_id").Immutable(),
		field.UUID("document_id", uuid.UUID{}).Immutable(),
		field.String("file_name").Immutable().Comment("of the document to sign"),
		field.Enum("signature_type").GoType(domain.SignatureType("")).Immutable(),
		field.Time("deadline").Immutable(),
		field.Enum("status").GoType(domain.SigningStatus("")).Comment("changes only as domain.CanTransitionSigning allows; see signingStatusHook"),
		field.Bool("require_level4").Default(false).Immutable(),
		field.String("reply_to").Immutable().Comment("organisation number that gets the signed document"),
		field.String("signer_id").Immutable().Comment("national identity number of the one who must sign"),
		field.String("provider_job_id").Default(""),
		field.String("signed_blob_key").Default(""),
		field.String("signed_sha256").Default(""),
		field.Int64("signed_size").Default(0),
		field.Text("evidence").Default("").Comment("evidence JSON once signed"),
		field.UUID("return_shipment_id", uuid.UUID{}).Optional().Nillable(),
		field.Time("created_at").Default(nowUTC).Immutable(),
		field.Time("updated_at").Default(nowUTC).UpdateDefault(nowUTC),
	}
}

func (SigningOrder) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("shipment", Shipment.Type).Ref("signing_order").Field("shipment_id").Unique().Required().Immutable(),
		edge.To("events", SigningEvent.Type),
	}
}

func (SigningOrder) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("org_id", "status", "created_at"),
		index.Fields("status", "deadline"),
	}
}

// Mixin scopes every query and write to the caller's tenant (tenant.go).
func (SigningOrder) Mixin() []ent.Mixin {
	return []ent.Mixin{orgOwned{citizenView: signingOrderCitizenView}}
}
