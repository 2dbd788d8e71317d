// Package protoconv converts the domain's statuses to and from the API's
// enums. The tables are written out, not derived from names, so renaming a
// constant on either side cannot silently change what is stored or sent.
package protoconv

import (
	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/server/domain"
)

// pair is one row of a table: a domain value and the API's.
type pair[D, P comparable] struct {
	d D
	p P
}

// toAPI and fromAPI read a table either way; zero values when absent.
func toAPI[D, P comparable](table []pair[D, P], d D) P {
	for _, e := range table {
		if e.d == d {
			return e.p
		}
	}
	var zero P
	return zero
}

func fromAPI[D, P comparable](table []pair[D, P], p P) (D, bool) {
	for _, e := range table {
		if e.p == p {
			return e.d, true
		}
	}
	var zero D
	return zero, false
}

func statuses() []pair[domain.Status, svarsignv1.ShipmentStatus] {
	return []pair[domain.Status, svarsignv1.ShipmentStatus]{
		{domain.StatusReceived, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_RECEIVED},
		{domain.StatusAccepted, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_ACCEPTED},
		{domain.StatusNotified, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOTIFIED},
		{domain.StatusRead, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READ},
		{domain.StatusRejected, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_REJECTED},
		{domain.StatusSentToPrint, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_SENT_TO_PRINT},
		{domain.StatusNotDelivered, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_NOT_DELIVERED},
		{domain.StatusReadyForPickup, svarsignv1.ShipmentStatus_SHIPMENT_STATUS_READY_FOR_PICKUP},
	}
}

func signingStatuses() []pair[domain.SigningStatus, svarsignv1.SigningStatus] {
	return []pair[domain.SigningStatus, svarsignv1.SigningStatus]{
		{domain.SigningWaiting, svarsignv1.SigningStatus_SIGNING_STATUS_WAITING},
		{domain.SigningSigned, svarsignv1.SigningStatus_SIGNING_STATUS_SIGNED},
		{domain.SigningRejectedByRecipient, svarsignv1.SigningStatus_SIGNING_STATUS_REJECTED_BY_RECIPIENT},
		{domain.SigningExpired, svarsignv1.SigningStatus_SIGNING_STATUS_EXPIRED},
		{domain.SigningRejectedByService, svarsignv1.SigningStatus_SIGNING_STATUS_REJECTED_BY_SERVICE},
		{domain.SigningCancelled, svarsignv1.SigningStatus_SIGNING_STATUS_CANCELLED},
	}
}

func signatureTypes() []pair[domain.SignatureType, svarsignv1.SignatureType] {
	return []pair[domain.SignatureType, svarsignv1.SignatureType]{
		{domain.SignatureAuthenticated, svarsignv1.SignatureType_SIGNATURE_TYPE_AUTHENTICATED},
		{domain.SignatureAdvanced, svarsignv1.SignatureType_SIGNATURE_TYPE_ADVANCED},
	}
}

// Status is the API's name for s; a draft, which the API never shows, and
// anything unknown are UNSPECIFIED.
func Status(s domain.Status) svarsignv1.ShipmentStatus { return toAPI(statuses(), s) }

// StatusFrom is the domain status the API's p names; ok is false for
// UNSPECIFIED and values this server does not know.
func StatusFrom(p svarsignv1.ShipmentStatus) (s domain.Status, ok bool) {
	return fromAPI(statuses(), p)
}

// SigningStatus is the API's name for s; "" (no signing order) and
// anything unknown are UNSPECIFIED.
func SigningStatus(s domain.SigningStatus) svarsignv1.SigningStatus {
	return toAPI(signingStatuses(), s)
}

// SigningStatusFrom is the domain status the API's p names; ok is false
// for UNSPECIFIED and values this server does not know.
func SigningStatusFrom(p svarsignv1.SigningStatus) (s domain.SigningStatus, ok bool) {
	return fromAPI(signingStatuses(), p)
}

// SignatureType is the API's name for t.
func SignatureType(t domain.SignatureType) svarsignv1.SignatureType {
	return toAPI(signatureTypes(), t)
}

// SignatureTypeFrom is the domain type the API's p names; ok is false for
// UNSPECIFIED and unknown values.
func SignatureTypeFrom(p svarsignv1.SignatureType) (t domain.SignatureType, ok bool) {
	return fromAPI(signatureTypes(), p)
}
