package domain

import (
	"fmt"
	"strings"
)

// Violation is one broken rule on one field. Field is a path into the
// request such as "recipient.national_identity_number" or
// "documents[1].file_name", so that clients can point at the offending
// input; Reason names the rule for machines, and Description says what is
// wrong in words a user can act on.
type Violation struct {
	Field       string
	Reason      Reason
	Description string
}

// Violations collects the problems of one request. The zero value is an
// empty collection ready to use. Validation code keeps going after the
// first problem and adds each one, so the caller gets the full list.
type Violations struct {
	list []Violation
}

// Add records that field breaks the rule named by reason, described by
// description.
func (v *Violations) Add(field string, reason Reason, description string) {
	v.list = append(v.list, Violation{Field: field, Reason: reason, Description: description})
}

// Addf is like [Violations.Add] with a description formatted as by
// [fmt.Sprintf].
func (v *Violations) Addf(field string, reason Reason, format string, args ...any) {
	v.Add(field, reason, fmt.Sprintf(format, args...))
}

// AddError records err, as returned by a Check function of this package,
// on field: its reason is [ReasonOf] err, its description err's message.
func (v *Violations) AddError(field string, err error) {
	v.Add(field, ReasonOf(err), err.Error())
}

// Len reports how many violations have been added.
func (v *Violations) Len() int {
	return len(v.list)
}

// List returns the violations in the order they were added. The slice is a
// copy, so the caller may keep or modify it.
func (v *Violations) List() []Violation {
	if len(v.list) == 0 {
		return nil
	}
	return append([]Violation(nil), v.list...)
}

// Err returns nil if no violation was added and otherwise a
// [*ValidationError] holding a copy of all of them. Handlers typically end
// validation with "if err := v.Err(); err != nil { return err }".
func (v *Violations) Err() error {
	if len(v.list) == 0 {
		return nil
	}
	return &ValidationError{Violations: v.List()}
}

// Invalid is a [*ValidationError] of one violation, for a request refused
// on its first problem.
func Invalid(field string, reason Reason, description string) error {
	var v Violations
	v.Add(field, reason, description)
	return v.Err()
}

// ValidationError reports that a request broke one or more rules. Transport
// code maps it to InvalidArgument (HTTP 400) with one field violation per
// entry; use [errors.As] to find it.
type ValidationError struct {
	Violations []Violation
}

// Error lists every violation, as in
// "invalid request: title: is required; documents[0].file_name: is required".
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("invalid request")
	for i, viol := range e.Violations {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		if viol.Field != "" {
			b.WriteString(viol.Field)
			b.WriteString(": ")
		}
		b.WriteString(viol.Description)
	}
	return b.String()
}
