package domain

import (
	"errors"
	"fmt"
)

// Reason names, for machines, the rule a field violation breaks: clients
// choose their own words by it (and by the field) instead of parsing the
// English description. The values are sent on the wire as
// google.rpc.BadRequest.FieldViolation.reason and documented in the
// contract (enum FieldViolationReason in proto/svarsign/v1/types.proto,
// whose value names are these with the prefix FIELD_VIOLATION_REASON_), so
// they never change; a new rule gets a new reason.
type Reason string

const (
	// ReasonRequired: the field is missing or empty.
	ReasonRequired Reason = "REQUIRED"
	// ReasonTooLong: a text has more characters than the field allows.
	ReasonTooLong Reason = "TOO_LONG"
	// ReasonTooMany: a list or map has more entries than allowed.
	ReasonTooMany Reason = "TOO_MANY"
	// ReasonTooLarge: bytes beyond a size limit (a chunk, a document, a
	// shipment's documents in all).
	ReasonTooLarge Reason = "TOO_LARGE"
	// ReasonEmpty: a document without a single byte.
	ReasonEmpty Reason = "EMPTY"
	// ReasonOutOfRange: a number outside the allowed range.
	ReasonOutOfRange Reason = "OUT_OF_RANGE"
	// ReasonTooEarly: a time earlier than allowed.
	ReasonTooEarly Reason = "TOO_EARLY"
	// ReasonTooLate: a time later than allowed.
	ReasonTooLate Reason = "TOO_LATE"
	// ReasonNotUUID: an id that is not a UUID.
	ReasonNotUUID Reason = "NOT_UUID"
	// ReasonInvalidFormat: a value not in the form the field needs (a date
	// as YYYY-MM-DD, a Norwegian postal code of 4 digits, a MIME type, a
	// status other than UNSPECIFIED).
	ReasonInvalidFormat Reason = "INVALID_FORMAT"
	// ReasonInvalidUTF8: text that is not valid UTF-8.
	ReasonInvalidUTF8 Reason = "INVALID_UTF8"
	// ReasonControlCharacter: text holding NUL or another control
	// character, or a tab or line break where one line is required.
	ReasonControlCharacter Reason = "CONTROL_CHARACTER"
	// ReasonInvalidFileName: a file name with a forbidden character, white
	// space at either end, a trailing dot, or a Windows device name.
	ReasonInvalidFileName Reason = "INVALID_FILE_NAME"
	// ReasonInvalidIdentityNumber: not a valid Norwegian national identity
	// number (11 digits with matching check digits and a birth date).
	ReasonInvalidIdentityNumber Reason = "INVALID_IDENTITY_NUMBER"
	// ReasonInvalidOrganizationNumber: not a valid Norwegian organisation
	// number (9 digits with a matching check digit).
	ReasonInvalidOrganizationNumber Reason = "INVALID_ORGANIZATION_NUMBER"
	// ReasonUnknownOrganization: a valid organisation number of an
	// organisation that does not use this service.
	ReasonUnknownOrganization Reason = "UNKNOWN_ORGANIZATION"
	// ReasonDuplicate: a value given twice where it must be unique (a file
	// name in a shipment, a JSON field or query parameter).
	ReasonDuplicate Reason = "DUPLICATE"
	// ReasonConflict: the field contradicts another field of the request
	// (two members of a oneof, a second document marked sign, sign without
	// a signing order).
	ReasonConflict Reason = "CONFLICT"
	// ReasonNotPDF: the document to sign is not a valid, unencrypted PDF.
	ReasonNotPDF Reason = "NOT_PDF"
	// ReasonNotAPerson: a signing order for an organisation; only a person
	// can sign.
	ReasonNotAPerson Reason = "NOT_A_PERSON"
	// ReasonNoDocumentToSign: a signing order without a document marked
	// sign.
	ReasonNoDocumentToSign Reason = "NO_DOCUMENT_TO_SIGN"
	// ReasonNotUploaded: a document named in a send that was neither
	// uploaded under the shipment id nor given inline.
	ReasonNotUploaded Reason = "NOT_UPLOADED"
	// ReasonNotSupported: this server does not offer what the field asks
	// for (signing, when no signing provider is configured).
	ReasonNotSupported Reason = "NOT_SUPPORTED"
	// ReasonUnreadable: the server could not read a stored document to
	// check it; sending again may succeed.
	ReasonUnreadable Reason = "UNREADABLE"
	// ReasonInvalidToken: a page token or cursor that the server did not
	// issue for this query.
	ReasonInvalidToken Reason = "INVALID_TOKEN"
	// ReasonNotAllowed: the field may not be given here (an upload header
	// after the first message).
	ReasonNotAllowed Reason = "NOT_ALLOWED"
	// ReasonUnknownField: a JSON field or query parameter the request
	// message does not have.
	ReasonUnknownField Reason = "UNKNOWN_FIELD"
	// ReasonWrongType: a JSON value of the wrong type for its field (a
	// string for a number, an object for a list, a time not in RFC 3339).
	ReasonWrongType Reason = "WRONG_TYPE"
	// ReasonInvalidJSON: a request body that is not one JSON object.
	ReasonInvalidJSON Reason = "INVALID_JSON"
)

// Reasons lists every reason, in the order of the contract's enum.
func Reasons() []Reason {
	return []Reason{
		ReasonRequired, ReasonTooLong, ReasonTooMany, ReasonTooLarge, ReasonEmpty,
		ReasonOutOfRange, ReasonTooEarly, ReasonTooLate, ReasonNotUUID, ReasonInvalidFormat,
		ReasonInvalidUTF8, ReasonControlCharacter, ReasonInvalidFileName,
		ReasonInvalidIdentityNumber, ReasonInvalidOrganizationNumber, ReasonUnknownOrganization,
		ReasonDuplicate, ReasonConflict, ReasonNotPDF, ReasonNotAPerson, ReasonNoDocumentToSign,
		ReasonNotUploaded, ReasonNotSupported, ReasonUnreadable, ReasonInvalidToken,
		ReasonNotAllowed, ReasonUnknownField, ReasonWrongType, ReasonInvalidJSON,
	}
}

// RuleError is a value breaking one rule, as the Check functions of this
// package report it: the reason for machines, the message (which names no
// field) for people. [Violations.AddError] puts it on a field. Check
// functions elsewhere make theirs with [RuleErrorf].
type RuleError struct {
	Reason Reason
	msg    string
}

func (e *RuleError) Error() string { return e.msg }

// RuleErrorf returns a [*RuleError] with a message formatted as by
// [fmt.Sprintf].
func RuleErrorf(r Reason, format string, args ...any) error {
	return &RuleError{Reason: r, msg: fmt.Sprintf(format, args...)}
}

// ReasonOf returns the reason of the [*RuleError] in err's chain, and
// [ReasonInvalidFormat] for an error without one.
func ReasonOf(err error) Reason {
	if re, ok := errors.AsType[*RuleError](err); ok {
		return re.Reason
	}
	return ReasonInvalidFormat
}
