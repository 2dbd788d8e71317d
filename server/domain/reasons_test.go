package domain_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/svarsign/svarsign/server/domain"
)

func TestReasonsAreStableNames(t *testing.T) {
	upperSnake := regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)
	seen := map[domain.Reason]bool{}
	for _, r := range domain.Reasons() {
		if !upperSnake.MatchString(string(r)) || len(r) > 63 {
			t.Errorf("reason %q is not UPPER_SNAKE_CASE of at most 63 characters", r)
		}
		if seen[r] {
			t.Errorf("reason %q is listed twice", r)
		}
		seen[r] = true
	}
}

// TestCheckReasons: each Check function names the rule it applies, so a
// violation built from its error carries the right reason.
func TestCheckReasons(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want domain.Reason
	}{
		{"NIN length", domain.CheckNationalIdentityNumber("123"), domain.ReasonInvalidIdentityNumber},
		{"NIN check digits", domain.CheckNationalIdentityNumber("14038510071"), domain.ReasonInvalidIdentityNumber},
		{"NIN repeated", domain.CheckNationalIdentityNumber("00000000000"), domain.ReasonInvalidIdentityNumber},
		{"org length", domain.CheckOrganizationNumber("12345"), domain.ReasonInvalidOrganizationNumber},
		{"org repeated", domain.CheckOrganizationNumber("000000000"), domain.ReasonInvalidOrganizationNumber},
		{"file name empty", domain.CheckFileName(" "), domain.ReasonRequired},
		{"file name long", domain.CheckFileName(strings.Repeat("a", domain.MaxFileNameLen+1)), domain.ReasonTooLong},
		{"file name control", domain.CheckFileName("a\x00.pdf"), domain.ReasonControlCharacter},
		{"file name slash", domain.CheckFileName("a/b.pdf"), domain.ReasonInvalidFileName},
		{"file name device", domain.CheckFileName("CON.pdf"), domain.ReasonInvalidFileName},
		{"file name UTF-8", domain.CheckFileName("a\xff.pdf"), domain.ReasonInvalidUTF8},
		{"text UTF-8", domain.CheckText("a\xff", false), domain.ReasonInvalidUTF8},
		{"text NUL", domain.CheckText("a\x00", true), domain.ReasonControlCharacter},
		{"text line break", domain.CheckText("a\nb", false), domain.ReasonControlCharacter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil {
				t.Fatal("no error")
			}
			if got := domain.ReasonOf(tt.err); got != tt.want {
				t.Errorf("ReasonOf(%q) = %s, want %s", tt.err, got, tt.want)
			}
			if got := domain.ReasonOf(fmt.Errorf("wrapped: %w", tt.err)); got != tt.want {
				t.Errorf("ReasonOf(wrapped %q) = %s, want %s", tt.err, got, tt.want)
			}
		})
	}
	if got := domain.ReasonOf(errors.New("some other error")); got != domain.ReasonInvalidFormat {
		t.Errorf("ReasonOf(an error of no rule) = %s, want %s", got, domain.ReasonInvalidFormat)
	}
}

func TestAddErrorAndInvalid(t *testing.T) {
	var v domain.Violations
	v.AddError("recipient.national_identity_number", domain.CheckNationalIdentityNumber("123"))
	got := v.List()
	want := domain.Violation{Field: "recipient.national_identity_number", Reason: domain.ReasonInvalidIdentityNumber, Description: "must be 11 digits"}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("violations %+v, want [%+v]", got, want)
	}

	err := domain.Invalid("cursor", domain.ReasonInvalidToken, "not a cursor from WatchEvents")
	var ve *domain.ValidationError
	if !errors.As(err, &ve) || len(ve.Violations) != 1 || ve.Violations[0].Reason != domain.ReasonInvalidToken {
		t.Fatalf("Invalid(...) = %#v, want one violation with reason INVALID_TOKEN", err)
	}
	if domain.KindOf(err) != 0 {
		t.Error("a validation error has a domain kind; transports map it by its own type")
	}
}
