package domain_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/svarsign/svarsign/server/domain"
)

func TestViolationsEmpty(t *testing.T) {
	var v domain.Violations
	if v.Len() != 0 {
		t.Errorf("Len() = %d, want 0", v.Len())
	}
	if got := v.List(); len(got) != 0 {
		t.Errorf("List() = %v, want empty", got)
	}
	// A nil *ValidationError in an error interface would not be nil.
	if err := v.Err(); err != nil {
		t.Errorf("Err() = %#v, want untyped nil", err)
	}
}

func TestViolations(t *testing.T) {
	var v domain.Violations
	v.Add("title", domain.ReasonRequired, "is required")
	v.Addf("documents[1].file_name", domain.ReasonTooLong, "must be at most %d characters (has %d)", 226, 300)

	want := []domain.Violation{
		{Field: "title", Reason: domain.ReasonRequired, Description: "is required"},
		{Field: "documents[1].file_name", Reason: domain.ReasonTooLong, Description: "must be at most 226 characters (has 300)"},
	}
	if v.Len() != 2 {
		t.Errorf("Len() = %d, want 2", v.Len())
	}
	got := v.List()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("List() = %q, want %q", got, want)
	}
	got[0].Field = "changed"
	if v.List()[0].Field != "title" {
		t.Error("modifying the result of List changed the collection")
	}

	err := v.Err()
	var verr *domain.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("Err() = %T, want *domain.ValidationError", err)
	}
	if !reflect.DeepEqual(verr.Violations, want) {
		t.Errorf("ValidationError.Violations = %q, want %q", verr.Violations, want)
	}
	const wantMsg = "invalid request: title: is required; documents[1].file_name: must be at most 226 characters (has 300)"
	if err.Error() != wantMsg {
		t.Errorf("Error() = %q, want %q", err.Error(), wantMsg)
	}

	v.Add("sender_system", domain.ReasonTooLong, "too long")
	if len(verr.Violations) != 2 {
		t.Error("adding after Err changed the returned error")
	}
}

func TestValidationErrorMessage(t *testing.T) {
	tests := []struct {
		in   []domain.Violation
		want string
	}{
		{nil, "invalid request"},
		{[]domain.Violation{{Description: "recipient is required"}}, "invalid request: recipient is required"},
		{[]domain.Violation{{Field: "title", Description: "is required"}}, "invalid request: title: is required"},
	}
	for _, tt := range tests {
		e := &domain.ValidationError{Violations: tt.in}
		if got := e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}
