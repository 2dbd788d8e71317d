package shipment

import (
	"sort"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/shipment"
	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/server/protoconv"
	"github.com/svarsign/svarsign/server/signing"
)

// marshalJSON stores nested messages as protojson text: readable in the
// database, and new fields need no migration.
func marshalJSON(m proto.Message) string {
	if m == nil || !m.ProtoReflect().IsValid() {
		return ""
	}
	b, _ := protojson.Marshal(m)
	return string(b)
}

func unmarshalJSON[M proto.Message](s string, m M) M {
	if s == "" {
		var zero M
		return zero
	}
	_ = protojson.Unmarshal([]byte(s), m)
	return m
}

func documentToProto(d *ent.Document) *svarsignv1.Document {
	return &svarsignv1.Document{
		Id:                  d.ID.String(),
		FileName:            d.FileName,
		MimeType:            d.MimeType,
		SizeBytes:           d.Size,
		Sha256:              d.Sha256,
		Sign:                d.Sign,
		PersonallySensitive: d.PersonallySensitive,
		Metadata:            d.Metadata,
	}
}

func shipmentToProto(s *ent.Shipment) *svarsignv1.Shipment {
	p := &svarsignv1.Shipment{
		Id:                       s.ID.String(),
		Direction:                svarsignv1.Direction(svarsignv1.Direction_value["DIRECTION_"+s.Direction.String()]),
		SenderOrganizationNumber: s.SenderOrgNumber,
		Title:                    s.Title,
		SenderSystem:             s.SenderSystem,
		ExternalRef:              s.ExternalRef,
		ReplyTo:                  s.ReplyTo,
		InReplyTo:                s.InReplyTo,
		ArchiveMetadata:          unmarshalJSON(s.ArchiveMetadata, &svarsignv1.ArchiveMetadata{}),
		PrintSettings:            unmarshalJSON(s.PrintSettings, &svarsignv1.PrintSettings{}),
		OnlyDigital:              s.OnlyDigital,
		RequireLevel4:            s.RequireLevel4,
		Status:                   protoconv.Status(s.Status),
		CreateTime:               timestamppb.New(s.CreatedAt),
		UpdateTime:               timestamppb.New(s.UpdatedAt),
	}
	if s.SentAt != nil {
		p.CreateTime = timestamppb.New(*s.SentAt)
	}
	if s.BatchID != nil {
		p.BatchId = s.BatchID.String()
	}
	if s.ReadAt != nil {
		p.ReadTime = timestamppb.New(*s.ReadAt)
	}
	r := &svarsignv1.Recipient{Name: s.RecipientName, PostalAddress: unmarshalJSON(s.RecipientAddress, &svarsignv1.PostalAddress{})}
	switch s.RecipientKind {
	case shipment.RecipientKindPERSON:
		r.Identity = &svarsignv1.Recipient_NationalIdentityNumber{NationalIdentityNumber: s.RecipientID}
	case shipment.RecipientKindORGANIZATION:
		r.Identity = &svarsignv1.Recipient_OrganizationNumber{OrganizationNumber: s.RecipientID}
	}
	p.Recipient = r
	if so := s.Edges.SigningOrder; so != nil {
		p.SigningOrder = signing.ToProto(so)
	}
	docs := append([]*ent.Document(nil), s.Edges.Documents...)
	sort.SliceStable(docs, func(i, j int) bool { return docs[i].Position < docs[j].Position })
	for _, d := range docs {
		p.Documents = append(p.Documents, documentToProto(d))
	}
	return p
}

func eventToProto(e *ent.ShipmentEvent) *svarsignv1.HistoryEvent {
	return &svarsignv1.HistoryEvent{
		Id:     int64(e.ID),
		Time:   timestamppb.New(e.Time),
		Status: protoconv.Status(e.Status),
		Text:   e.Text,
	}
}
