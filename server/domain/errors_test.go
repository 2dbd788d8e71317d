package domain_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/svarsign/svarsign/server/domain"
)

// refused is an error type of another package that joins a kind by an Is
// method, as a refused status change does.
type refused struct{}

func (refused) Error() string        { return "status cannot change" }
func (refused) Is(target error) bool { return target == domain.ErrFailedPrecondition }

var errSentinel = domain.Errorf(domain.ErrPermissionDenied, "for another person")

func TestKindOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want domain.Kind
	}{
		{"nil", nil, 0},
		{"plain error", errors.New("disk full"), 0},
		{"NotFound", domain.NotFound("shipment 1"), domain.ErrNotFound},
		{"Errorf", domain.Errorf(domain.ErrAlreadyExists, "idempotency_key %q is used", "k"), domain.ErrAlreadyExists},
		{"wrapped by fmt", fmt.Errorf("loading: %w", domain.NotFound("shipment 1")), domain.ErrNotFound},
		{"bare kind wrapped", fmt.Errorf("shutting down: %w", domain.ErrUnavailable), domain.ErrUnavailable},
		{"wrapped sentinel", fmt.Errorf("%w (it is SIGNED)", errSentinel), domain.ErrPermissionDenied},
		{"type with Is", fmt.Errorf("recording: %w", refused{}), domain.ErrFailedPrecondition},
		{"outermost kind wins", domain.Errorf(domain.ErrAborted, "retry: %w", domain.NotFound("x")), domain.ErrAborted},
		{"joined", errors.Join(errors.New("a"), domain.Errorf(domain.ErrFailedPrecondition, "b")), domain.ErrFailedPrecondition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.KindOf(tt.err); got != tt.want {
				t.Errorf("KindOf(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestErrorIsItsKindOnly(t *testing.T) {
	err := fmt.Errorf("signing: %w", domain.Errorf(domain.ErrFailedPrecondition, "order is %s", "SIGNED"))
	if !errors.Is(err, domain.ErrFailedPrecondition) {
		t.Error("errors.Is(err, ErrFailedPrecondition) = false")
	}
	for _, k := range []domain.Kind{domain.ErrNotFound, domain.ErrAlreadyExists, domain.ErrPermissionDenied, domain.ErrAborted, domain.ErrUnavailable} {
		if errors.Is(err, k) {
			t.Errorf("errors.Is(err, %v) = true", k)
		}
	}
	if got, want := err.Error(), "signing: order is SIGNED"; got != want {
		t.Errorf("message %q, want %q: the kind is not part of it", got, want)
	}
}

func TestErrorWrapsWhatItsMessageWraps(t *testing.T) {
	cause := errors.New("shipment status cannot change from READ to REJECTED")
	err := domain.Errorf(domain.ErrFailedPrecondition, "shipment 1: %w", cause)
	if !errors.Is(err, cause) {
		t.Error("the cause is not found through the domain error")
	}
	if !errors.Is(fmt.Errorf("again: %w", errSentinel), errSentinel) {
		t.Error("a sentinel domain error is not found once wrapped")
	}
}

func TestNotFoundMessage(t *testing.T) {
	if got, want := domain.NotFound("shipment 42").Error(), "shipment 42 not found"; got != want {
		t.Errorf("NotFound message %q, want %q", got, want)
	}
}

func TestKindMessages(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range []domain.Kind{domain.ErrNotFound, domain.ErrFailedPrecondition, domain.ErrAlreadyExists, domain.ErrPermissionDenied, domain.ErrAborted, domain.ErrUnavailable} {
		msg := k.Error()
		if msg == "" || seen[msg] {
			t.Errorf("kind %d has message %q, empty or shared", uint8(k), msg)
		}
		seen[msg] = true
	}
}
