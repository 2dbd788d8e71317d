package domain

import (
	"fmt"
	"slices"
)

// Status is the delivery status of a shipment. The values are SvarUt's
// states under English names (section 4 of the design); the SvarUt name is
// given with each constant. The string values are stored and sent on the
// wire, so they never change.
type Status string

const (
	// StatusDraft: an id reserved by StartShipment, with uploads but not
	// sent. Drafts are not shipments yet: no list or event shows them.
	StatusDraft Status = "DRAFT"
	// StatusReceived: the shipment is stored and waits for processing
	// [MOTTATT].
	StatusReceived Status = "RECEIVED"
	// StatusAccepted: the shipment passed all checks and will be delivered
	// [AKSEPTERT].
	StatusAccepted Status = "ACCEPTED"
	// StatusNotified: the recipient has been told about it in their
	// digital mailbox [VARSLET].
	StatusNotified Status = "NOTIFIED"
	// StatusRead: the recipient has opened it [LEST]. Final.
	StatusRead Status = "READ"
	// StatusRejected: the shipment could not be processed [AVVIST]. Final.
	StatusRejected Status = "REJECTED"
	// StatusSentToPrint: unread after its read deadline, it went to postal
	// print [SENDT_PRINT]. It may still be read digitally.
	StatusSentToPrint Status = "SENT_TO_PRINT"
	// StatusNotDelivered: no channel could deliver it [IKKE_LEVERT]. Final.
	StatusNotDelivered Status = "NOT_DELIVERED"
	// StatusReadyForPickup: placed in an organisation's Inbox, waiting to
	// be fetched [KLAR_FOR_MOTTAK].
	StatusReadyForPickup Status = "READY_FOR_PICKUP"
)

// Statuses lists every shipment status, in the order of the table above.
func Statuses() []Status {
	return []Status{StatusDraft, StatusReceived, StatusAccepted, StatusNotified, StatusRead,
		StatusRejected, StatusSentToPrint, StatusNotDelivered, StatusReadyForPickup}
}

// Values lists the stored values; the persistence layer uses it to declare
// the column's allowed values.
func (Status) Values() []string { return stringsOf(Statuses()) }

// Known reports whether s is one of the statuses above.
func (s Status) Known() bool { _, ok := transitions(s); return ok }

// Initial reports whether a shipment may come into being in status s: a
// reserved draft, a shipment sent in one call, or an organisation's Inbox
// copy.
func (s Status) Initial() bool {
	return s == StatusDraft || s == StatusReceived || s == StatusReadyForPickup
}

// transitions lists, for each status, the statuses it may change to. A
// status with no entry is final; a status missing from the table is
// unknown. It is a function rather than a package variable so that no
// caller can change the rules.
func transitions(from Status) (next []Status, known bool) {
	switch from {
	case StatusDraft:
		return []Status{StatusReceived}, true
	case StatusReceived:
		return []Status{StatusAccepted, StatusRejected}, true
	case StatusAccepted:
		// Delivery forks here: a person is notified, an organisation's
		// Inbox holds it for pickup; a recipient who fetches it at once
		// reads it without a notification.
		return []Status{StatusNotified, StatusReadyForPickup, StatusNotDelivered, StatusRejected, StatusRead}, true
	case StatusNotified:
		return []Status{StatusRead, StatusSentToPrint, StatusNotDelivered}, true
	case StatusSentToPrint:
		// A printed letter does not stop the citizen opening the digital
		// copy (and signing, until the signing deadline).
		return []Status{StatusRead}, true
	case StatusReadyForPickup:
		// Picked up and acknowledged, or refused for good by the
		// receiving system (mottakFeilet, permanent).
		return []Status{StatusRead, StatusRejected}, true
	case StatusRead, StatusRejected, StatusNotDelivered:
		return nil, true
	}
	return nil, false
}

// CanTransition reports whether a shipment may change from status from to
// status to. It returns nil if the change is allowed and otherwise a
// [*TransitionError] naming both statuses. Staying in the same status is
// not a transition and is refused, so that every recorded change is a real
// event in the shipment's history.
func CanTransition(from, to Status) error {
	next, known := transitions(from)
	if !known || !to.Known() || !slices.Contains(next, to) {
		return &TransitionError{Entity: "shipment", From: string(from), To: string(to), unknown: !known || !to.Known()}
	}
	return nil
}

// SigningStatus is the status of a signing order. The values are stored
// and sent on the wire.
type SigningStatus string

const (
	// SigningWaiting: the recipient has not signed yet and may.
	SigningWaiting SigningStatus = "WAITING"
	// SigningSigned: the recipient signed. Final.
	SigningSigned SigningStatus = "SIGNED"
	// SigningRejectedByRecipient: the recipient declined to sign. Final.
	SigningRejectedByRecipient SigningStatus = "REJECTED_BY_RECIPIENT"
	// SigningExpired: the deadline passed unsigned. Final.
	SigningExpired SigningStatus = "EXPIRED"
	// SigningRejectedByService: the signing service refused it. Final.
	SigningRejectedByService SigningStatus = "REJECTED_BY_SERVICE"
	// SigningCancelled: the sender withdrew it. Final.
	SigningCancelled SigningStatus = "CANCELLED"
)

// SigningStatuses lists every signing status.
func SigningStatuses() []SigningStatus {
	return []SigningStatus{SigningWaiting, SigningSigned, SigningRejectedByRecipient,
		SigningExpired, SigningRejectedByService, SigningCancelled}
}

// Values lists the stored values, for the persistence layer.
func (SigningStatus) Values() []string { return stringsOf(SigningStatuses()) }

// Known reports whether s is one of the signing statuses above.
func (s SigningStatus) Known() bool { return slices.Contains(SigningStatuses(), s) }

// CanTransitionSigning reports whether a signing order may change from
// from to to: only a waiting order changes, and only to a final status.
func CanTransitionSigning(from, to SigningStatus) error {
	if from == SigningWaiting && to.Known() && to != SigningWaiting {
		return nil
	}
	return &TransitionError{Entity: "signing order", From: string(from), To: string(to), unknown: !from.Known() || !to.Known()}
}

// TransitionError is a refused status change. Transport code maps it to
// FailedPrecondition: the request was fine, the thing it acts on is not in
// a state that allows it.
type TransitionError struct {
	Entity   string // "shipment" or "signing order"
	From, To string
	unknown  bool
}

// Is makes a refused change an [ErrFailedPrecondition].
func (e *TransitionError) Is(target error) bool { return target == ErrFailedPrecondition }

func (e *TransitionError) Error() string {
	if e.unknown {
		return fmt.Sprintf("unknown %s status in change from %q to %q", e.Entity, e.From, e.To)
	}
	return fmt.Sprintf("%s status cannot change from %s to %s", e.Entity, e.From, e.To)
}

func stringsOf[S ~string](list []S) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = string(s)
	}
	return out
}
