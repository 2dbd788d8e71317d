package shipment

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/shipment"
	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/server/auth"
	"github.com/svarsign/svarsign/server/domain"
)

var testCaller = auth.Caller{OrgID: 7, OrgNumber: testOrg}

func TestPlanSend(t *testing.T) {
	reserved, batch := uuid.New(), uuid.New()
	tests := []struct {
		name  string
		req   func() *svarsignv1.SendShipmentRequest
		check func(t *testing.T, p *sendPlan)
	}{
		{"new id, reply_to defaults to the sender", validSend, func(t *testing.T, p *sendPlan) {
			if p.reserved || p.id == uuid.Nil {
				t.Errorf("id = %v, reserved = %v; want a new id, not reserved", p.id, p.reserved)
			}
			if p.replyTo != testCaller.OrgNumber {
				t.Errorf("replyTo = %q, want the sender %q", p.replyTo, testCaller.OrgNumber)
			}
			if p.batchID != nil || p.signing != nil {
				t.Errorf("batchID = %v, signing = %+v; want neither", p.batchID, p.signing)
			}
		}},
		{"reserved id, batch and reply_to as given", func() *svarsignv1.SendShipmentRequest {
			r := validSend()
			r.ShipmentId, r.BatchId, r.ReplyTo = reserved.String(), batch.String(), testOrg2
			return r
		}, func(t *testing.T, p *sendPlan) {
			if !p.reserved || p.id != reserved {
				t.Errorf("id = %v, reserved = %v; want %v, reserved", p.id, p.reserved, reserved)
			}
			if p.batchID == nil || *p.batchID != batch {
				t.Errorf("batchID = %v, want %v", p.batchID, batch)
			}
			if p.replyTo != testOrg2 {
				t.Errorf("replyTo = %q, want %q", p.replyTo, testOrg2)
			}
		}},
		{"signing order with the defaulted reply_to", func() *svarsignv1.SendShipmentRequest {
			r := validSigning()
			r.ShipmentId = reserved.String()
			r.RequireLevel4 = true
			return r
		}, func(t *testing.T, p *sendPlan) {
			s := p.signing
			if s == nil {
				t.Fatal("no signing spec")
			}
			if s.ShipmentID != reserved || s.OrgID != testCaller.OrgID || s.ReplyTo != testCaller.OrgNumber ||
				s.SignatureType != domain.SignatureAdvanced || !s.RequireLevel4 || s.SignerID != testPerson ||
				!s.Deadline.Equal(validSigning().GetSigningOrder().GetDeadline().AsTime()) {
				t.Errorf("signing = %+v", *s)
			}
			if s.DocumentID != uuid.Nil || s.FileName != "" {
				t.Errorf("signing names document %v %q before it is stored", s.DocumentID, s.FileName)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req()
			p, err := planSend(req, testCaller, testNow)
			if err != nil {
				t.Fatalf("planSend: %v", err)
			}
			if p.req != req || p.caller != testCaller {
				t.Error("plan does not carry the request and caller")
			}
			if !bytes.Equal(p.hash, requestHash(req)) {
				t.Error("hash is not the request's")
			}
			tt.check(t, p)
		})
	}
}

// TestPlanSendInvalid checks that a request that fails validation gives
// its violations, not a plan, and that ids that are not UUIDs are
// violations rather than panics.
func TestPlanSendInvalid(t *testing.T) {
	r := validSend()
	r.ShipmentId, r.BatchId = "not-a-uuid", "nor-this"
	p, err := planSend(r, testCaller, testNow)
	if p != nil {
		t.Errorf("plan = %+v, want none", p)
	}
	var ve *domain.ValidationError
	if !errors.As(err, &ve) || len(ve.Violations) != 2 ||
		ve.Violations[0].Field != "shipment_id" || ve.Violations[1].Field != "batch_id" {
		t.Fatalf("err = %v, want violations on shipment_id and batch_id", err)
	}
}

// TestRequestHash checks that the hash tells different content apart and
// is the same for the same content.
func TestRequestHash(t *testing.T) {
	a, b := validSend(), validSend()
	if !bytes.Equal(requestHash(a), requestHash(b)) {
		t.Error("equal requests hash differently")
	}
	b.Title += "!"
	if bytes.Equal(requestHash(a), requestHash(b)) {
		t.Error("different requests hash the same")
	}
}

// TestSetFields checks that the row a send stores takes the plan's parsed
// and defaulted values.
func TestSetFields(t *testing.T) {
	batch := uuid.New()
	r := validSend()
	toOrg(r)
	r.BatchId, r.IdempotencyKey = batch.String(), "k-1"
	p, err := planSend(r, testCaller, testNow)
	if err != nil {
		t.Fatal(err)
	}
	m := ent.NewClient().Shipment.Create().Mutation()
	p.setFields(m, testNow)

	if st, _ := m.Status(); st != domain.StatusReceived {
		t.Errorf("status = %s, want %s", st, domain.StatusReceived)
	}
	if v, _ := m.ReplyTo(); v != testCaller.OrgNumber {
		t.Errorf("reply_to = %q, want the sender %q", v, testCaller.OrgNumber)
	}
	if v, _ := m.BatchID(); v != batch {
		t.Errorf("batch_id = %v, want %v", v, batch)
	}
	if k, _ := m.RecipientKind(); k != shipment.RecipientKindORGANIZATION {
		t.Errorf("recipient_kind = %s", k)
	}
	if v, _ := m.RecipientID(); v != testOrg {
		t.Errorf("recipient_id = %q, want %q", v, testOrg)
	}
	if v, _ := m.IdempotencyKey(); v != "k-1" {
		t.Errorf("idempotency_key = %q", v)
	}
	if v, _ := m.RequestHash(); !bytes.Equal(v, p.hash) {
		t.Error("request_hash is not the plan's")
	}
	if v, _ := m.SentAt(); !v.Equal(testNow) {
		t.Errorf("sent_at = %v, want %v", v, testNow)
	}
}
