package protoconv_test

import (
	"testing"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/protoconv"
)

// TestStatusRoundTrip checks that every domain status but DRAFT has an API
// name of the same spelling and that every API value maps back.
func TestStatusRoundTrip(t *testing.T) {
	for _, s := range domain.Statuses() {
		p := protoconv.Status(s)
		if s == domain.StatusDraft {
			if p != svarsignv1.ShipmentStatus_SHIPMENT_STATUS_UNSPECIFIED {
				t.Errorf("DRAFT is shown as %v", p)
			}
			continue
		}
		if p.String() != "SHIPMENT_STATUS_"+string(s) {
			t.Errorf("Status(%s) = %v", s, p)
		}
		if back, ok := protoconv.StatusFrom(p); !ok || back != s {
			t.Errorf("StatusFrom(%v) = %q, %v", p, back, ok)
		}
	}
	for v := range svarsignv1.ShipmentStatus_name {
		p := svarsignv1.ShipmentStatus(v)
		_, ok := protoconv.StatusFrom(p)
		if ok == (p == svarsignv1.ShipmentStatus_SHIPMENT_STATUS_UNSPECIFIED) {
			t.Errorf("StatusFrom(%v) ok = %v", p, ok)
		}
	}
	if _, ok := protoconv.StatusFrom(99); ok {
		t.Error("StatusFrom(99) is known")
	}
}

func TestSigningStatusRoundTrip(t *testing.T) {
	for _, s := range domain.SigningStatuses() {
		p := protoconv.SigningStatus(s)
		if p.String() != "SIGNING_STATUS_"+string(s) {
			t.Errorf("SigningStatus(%s) = %v", s, p)
		}
		if back, ok := protoconv.SigningStatusFrom(p); !ok || back != s {
			t.Errorf("SigningStatusFrom(%v) = %q, %v", p, back, ok)
		}
	}
	if got := protoconv.SigningStatus(""); got != svarsignv1.SigningStatus_SIGNING_STATUS_UNSPECIFIED {
		t.Errorf(`SigningStatus("") = %v`, got)
	}
	for v := range svarsignv1.SigningStatus_name {
		p := svarsignv1.SigningStatus(v)
		_, ok := protoconv.SigningStatusFrom(p)
		if ok == (p == svarsignv1.SigningStatus_SIGNING_STATUS_UNSPECIFIED) {
			t.Errorf("SigningStatusFrom(%v) ok = %v", p, ok)
		}
	}
}

func TestSignatureTypeRoundTrip(t *testing.T) {
	for _, s := range []domain.SignatureType{domain.SignatureAuthenticated, domain.SignatureAdvanced} {
		p := protoconv.SignatureType(s)
		if p.String() != "SIGNATURE_TYPE_"+string(s) {
			t.Errorf("SignatureType(%s) = %v", s, p)
		}
		if back, ok := protoconv.SignatureTypeFrom(p); !ok || back != s {
			t.Errorf("SignatureTypeFrom(%v) = %q, %v", p, back, ok)
		}
	}
	if _, ok := protoconv.SignatureTypeFrom(svarsignv1.SignatureType_SIGNATURE_TYPE_UNSPECIFIED); ok {
		t.Error("UNSPECIFIED is a signature type")
	}
}
