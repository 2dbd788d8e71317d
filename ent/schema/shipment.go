package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"

	"github.com/svarsign/svarsign/server/domain"
)

// Shipment is one forsendelse to one recipient. A row in status DRAFT is an
// id reserved by StartShipment that has uploads but was not sent yet.
type Shipment struct{ ent.Schema }

func (Shipment) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		field.Int("org_id").Immutable(),
		field.Enum("direction").Values("OUTGOING", "INCOMING").Default("OUTGOING").Immutable(),
		field.Enum("status").GoType(domain.Status("")).Comment("changes only as domain.CanTransition allows; see statusHook"),
		field.UUID("batch_id", uuid.UUID{}).Optional().Nillable(),
		field.String("sender_org_number").Default(""),
		field.String("title").Default("").Comment("at most 1000 characters, checked by the service"),
		field.String("sender_system").Default(""),
		field.String("external_ref").Default(""),
		field.Enum("recipient_kind").Values("PERSON", "ORGANIZATION").Optional(),
		field.String("recipient_id").Default(""),
		field.String("recipient_name").Default(""),
		field.Text("recipient_address").Default("").Comment("protojson of PostalAddress"),
		field.String("reply_to").Default(""),
		field.String("in_reply_to").Default(""),
		field.Text("archive_metadata").Default("").Comment("protojson of ArchiveMetadata"),
		field.Text("print_settings").Default("").Comment("protojson of PrintSettings"),
		field.Bool("only_digital").Default(false),
		field.Bool("require_level4").Default(false),
		field.String("idempotency_key").Optional().Nillable(),
		field.Bytes("request_hash").Optional().Comment("sha256 of the send request, to tell a retry from a conflicting reuse of the id"),
		field.Time("created_at").Default(nowUTC).Immutable(),
		field.Time("sent_at").Optional().Nillable(),
		field.Time("updated_at").Default(nowUTC).UpdateDefault(nowUTC),
		field.Time("read_at").Optional().Nillable(),
		field.Time("notified_at").Optional().Nillable(),
		field.Time("acknowledged_at").Optional().Nillable().Comment("incoming: the receiving system confirmed pickup (kvitterMottak)"),
		field.UUID("delivered_from", uuid.UUID{}).Optional().Nillable().Immutable().Comment("incoming copy of another organisation's outgoing shipment (SvarInn delivery)"),
		field.Bool("pending").Default(false).Comment("incoming and still to be picked up: offered by ListIncoming until acknowledged or permanently rejected"),
	}
}

func (Shipment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("org", Org.Type).Ref("shipments").Field("org_id").Unique().Required().Immutable(),
		edge.To("documents", Document.Type),
		edge.To("events", ShipmentEvent.Type),
		edge.To("signing_order", SigningOrder.Type).Unique(),
	}
}

func (Shipment) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("org_id", "direction", "sent_at", "id"),
		index.Fields("org_id", "external_ref"),
		index.Fields("org_id", "idempotency_key").Unique(),
		index.Fields("batch_id"),
		index.Fields("org_id", "direction", "pending", "sent_at", "id"),
		index.Fields("status", "notified_at"), // the read-deadline sweep
	}
}

// Mixin scopes every query and write to the caller's tenant (tenant.go).
func (Shipment) Mixin() []ent.Mixin { return []ent.Mixin{orgOwned{citizenView: shipmentCitizenView}} }
