package domain_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/svarsign/svarsign/server/domain"
)

var allStatuses = []domain.Status{
	domain.StatusDraft,
	domain.StatusReceived,
	domain.StatusAccepted,
	domain.StatusNotified,
	domain.StatusRead,
	domain.StatusRejected,
	domain.StatusSentToPrint,
	domain.StatusNotDelivered,
	domain.StatusReadyForPickup,
}

func TestStatusValues(t *testing.T) {
	want := []string{"DRAFT", "RECEIVED", "ACCEPTED", "NOTIFIED", "READ", "REJECTED", "SENT_TO_PRINT", "NOT_DELIVERED", "READY_FOR_PICKUP"}
	for i, s := range allStatuses {
		if string(s) != want[i] {
			t.Errorf("status %d = %q, want %q", i, s, want[i])
		}
	}
}

// TestCanTransition checks every pair of statuses against the table of
// allowed transitions in the design.
func TestCanTransition(t *testing.T) {
	type pair struct{ from, to domain.Status }
	allowed := map[pair]bool{
		{domain.StatusDraft, domain.StatusReceived}:          true,
		{domain.StatusReceived, domain.StatusAccepted}:       true,
		{domain.StatusReceived, domain.StatusRejected}:       true,
		{domain.StatusAccepted, domain.StatusNotified}:       true,
		{domain.StatusAccepted, domain.StatusReadyForPickup}: true,
		{domain.StatusAccepted, domain.StatusNotDelivered}:   true,
		{domain.StatusAccepted, domain.StatusRejected}:       true,
		{domain.StatusAccepted, domain.StatusRead}:           true,
		{domain.StatusNotified, domain.StatusRead}:           true,
		{domain.StatusNotified, domain.StatusSentToPrint}:    true,
		{domain.StatusNotified, domain.StatusNotDelivered}:   true,
		{domain.StatusSentToPrint, domain.StatusRead}:        true,
		{domain.StatusReadyForPickup, domain.StatusRead}:     true,
		{domain.StatusReadyForPickup, domain.StatusRejected}: true,
	}
	for _, from := range allStatuses {
		for _, to := range allStatuses {
			t.Run(string(from)+"->"+string(to), func(t *testing.T) {
				err := domain.CanTransition(from, to)
				if allowed[pair{from, to}] {
					if err != nil {
						t.Fatalf("CanTransition(%s, %s) = %v, want nil", from, to, err)
					}
					return
				}
				if err == nil {
					t.Fatalf("CanTransition(%s, %s) = nil, want error", from, to)
				}
				if msg := err.Error(); !strings.Contains(msg, string(from)) || !strings.Contains(msg, string(to)) {
					t.Errorf("CanTransition(%s, %s) error %q does not name both statuses", from, to, msg)
				}
			})
		}
	}
}

func TestCanTransitionUnknown(t *testing.T) {
	tests := []struct{ from, to domain.Status }{
		{"", domain.StatusAccepted},
		{"MOTTATT", domain.StatusAccepted},
		{domain.StatusReceived, "accepted"},
		{domain.StatusNotified, ""},
	}
	for _, tt := range tests {
		err := domain.CanTransition(tt.from, tt.to)
		if err == nil || !strings.Contains(err.Error(), "unknown shipment status") {
			t.Errorf("CanTransition(%q, %q) = %v, want unknown-status error", tt.from, tt.to, err)
		}
	}
}

func TestStatusesComplete(t *testing.T) {
	if got := domain.Statuses(); len(got) != len(allStatuses) {
		t.Fatalf("Statuses() has %d entries, the table test %d", len(got), len(allStatuses))
	}
	for _, s := range allStatuses {
		if !s.Known() {
			t.Errorf("%s is not Known", s)
		}
	}
	initial := map[domain.Status]bool{domain.StatusDraft: true, domain.StatusReceived: true, domain.StatusReadyForPickup: true}
	for _, s := range allStatuses {
		if s.Initial() != initial[s] {
			t.Errorf("%s.Initial() = %v, want %v", s, s.Initial(), initial[s])
		}
	}
}

// TestCanTransitionSigning checks every pair of signing statuses: a waiting
// order may end in any final status, nothing else changes.
func TestCanTransitionSigning(t *testing.T) {
	for _, from := range domain.SigningStatuses() {
		for _, to := range domain.SigningStatuses() {
			err := domain.CanTransitionSigning(from, to)
			want := from == domain.SigningWaiting && to != domain.SigningWaiting
			if (err == nil) != want {
				t.Errorf("CanTransitionSigning(%s, %s) = %v, want allowed=%v", from, to, err, want)
			}
			var te *domain.TransitionError
			if err != nil && !errors.As(err, &te) {
				t.Errorf("CanTransitionSigning(%s, %s) error %T is not a *TransitionError", from, to, err)
			}
		}
	}
	if err := domain.CanTransitionSigning(domain.SigningWaiting, "DONE"); err == nil || !strings.Contains(err.Error(), "unknown") {
		t.Errorf("change to an unknown signing status: %v", err)
	}
}
