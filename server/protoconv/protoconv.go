// Package protoconv converts the domain's statuses to and from the API's
// enums. The tables are written out, not derived from names, so renaming a
// constant on either side cannot silently change what is stored or sent.
package protoconv

import (
	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/server/domain"
)

var statuses = [...]struct {
	d domain.Status
	p svarsignv1.ShipmentStatus
}{
	{domain.StatusReceived, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_RECEIVED},
	{domain.StatusAccepted, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_ACCEPTED},
	{domain.StatusNotified, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED},
	{domain.StatusRead, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READ},
	{domain.StatusRejected, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_REJECTED},
	{domain.StatusSentToPrint, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_SENT_TO_PRINT},
	{domain.StatusNotDelivered, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOT_DELIVERED},
	{domain.StatusReadyForPickup, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READY_FOR_PICKUP},
}

var signingStatuses = [...]struct {
	d domain.SigningStatus
	p svarsignv1.SigningStatus
}{
	{domain.SigningWaiting, svarsignv1.SigningStatus_SIGNING_STATUS_WAITING},
	{domain.SigningSigned, svarsignv1.SigningStatus_SIGNING_STATUS_SIGNED},
	{domain.SigningRejectedByRecipient, svarsignv1.SigningStatus_SIGNING_STATUS_REJECTED_BY_RECIPIENT},
	{domain.SigningExpired, svarsignv1.SigningStatus_SIGNING_STATUS_EXPIRED},
	{domain.SigningRejectedByService, svarsignv1.SigningStatus_SIGNING_STATUS_REJECTED_BY_SERVICE},
	{domain.SigningCancelled, svarsignv1.SigningStatus_SIGNING_STATUS_CANCELLED},
}

// Status is the API's name for s; a draft, which the API never shows, and
// anything unknown are UNSPECIFIED.
func Status(s domain.Status) svarsignv1.ShipmentStatus {
	for _, e := range statuses {
		if e.d == s {
			return e.p
		}
	}
	return svarsignv1.ShipmentStatus_SHIPMENT_STATUS_UNSPECIFIED
}

// StatusFrom is the domain status the API's p names; ok is false for
// UNSPECIFIED and values this server does not know.
func StatusFrom(p svarsignv1.ShipmentStatus) (s domain.Status, ok bool) {
	for _, e := range statuses {
		if e.p == p {
			return e.d, true
		}
	}
	return "", false
}

// SigningStatus is the API's name for s; "" (no signing order) and
// anything unknown are UNSPECIFIED.
func SigningStatus(s domain.SigningStatus) svarsignv1.SigningStatus {
	for _, e := range signingStatuses {
		if e.d == s {
			return e.p
		}
	}
	return svarsignv1.SigningStatus_SIGNING_STATUS_UNSPECIFIED
}

// SigningStatusFrom is the domain status the API's p names; ok is false
// for UNSPECIFIED and values this server does not know.
func SigningStatusFrom(p svarsignv1.SigningStatus) (s domain.SigningStatus, ok bool) {
	for _, e := range signingStatuses {
		if e.p == p {
			return e.d, true
		}
	}
	return "", false
}

// SignatureType is the API's name for t.
func SignatureType(t domain.SignatureType) svarsignv1.SignatureType {
	switch t {
	case domain.SignatureAuthenticated:
		return svarsignv1.SignatureType_SIGNATURE_TYPE_AUTHENTICATED
	case domain.SignatureAdvanced:
		return svarsignv1.SignatureType_SIGNATURE_TYPE_ADVANCED
	}
	return svarsignv1.SignatureType_SIGNATURE_TYPE_UNSPECIFIED
}

// SignatureTypeFrom is the domain type the API's p names; ok is false for
// UNSPECIFIED and unknown values.
func SignatureTypeFrom(p svarsignv1.SignatureType) (t domain.SignatureType, ok bool) {
	switch p {
	case svarsignv1.SignatureType_SIGNATURE_TYPE_AUTHENTICATED:
		return domain.SignatureAuthenticated, true
	case svarsignv1.SignatureType_SIGNATURE_TYPE_ADVANCED:
		return domain.SignatureAdvanced, true
	}
	return "", false
}
