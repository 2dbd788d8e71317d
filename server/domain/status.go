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

// transitions lists, for each status, the statuses it may change to. A
// status with no entry is final; a status missing from the table is
// unknown. It is a function rather than a package variable so that no
// caller can change the rules.
func transitions(from Status) (next []Status, known bool) {
	switch from {
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
// status to. It returns nil if the change is allowed and otherwise an error
// naming both statuses. Staying in the same status is not a transition and
// is refused, so that every recorded change is a real event in the
// shipment's history.
func CanTransition(from, to Status) error {
	next, known := transitions(from)
	if !known {
		return fmt.Errorf("unknown shipment status %q (changing to %s)", from, to)
	}
	if _, ok := transitions(to); !ok {
		return fmt.Errorf("unknown shipment status %q (changing from %s)", to, from)
	}
	if slices.Contains(next, to) {
		return nil
	}
	return fmt.Errorf("shipment status cannot change from %s to %s", from, to)
}
