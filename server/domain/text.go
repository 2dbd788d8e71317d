package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Errors of [CheckText]; their text is a field-independent description.
var (
	errTextUTF8 = RuleErrorf(ReasonInvalidUTF8, "must be valid UTF-8")
	errTextNUL  = RuleErrorf(ReasonControlCharacter, "must not contain NUL (U+0000)")
)

// CheckText reports whether s may be stored as the text of a request field:
// valid UTF-8 without control characters (Unicode category Cc: NUL, the
// other C0 controls, DEL and the C1 controls). Tab, line feed and carriage
// return are allowed only where multiline is true, in free text such as a
// reason; everywhere else, such as a title, a name or a reference, they are
// refused, because they would break the one-line places these are shown.
//
// PostgreSQL cannot store NUL in text at all, and SQLite would store it
// as-is, so a NUL must be refused before it reaches either.
func CheckText(s string, multiline bool) error {
	if !utf8.ValidString(s) {
		return errTextUTF8
	}
	for _, r := range s {
		if !unicode.IsControl(r) {
			continue
		}
		switch {
		case r == 0:
			return errTextNUL
		case multiline && (r == '\t' || r == '\n' || r == '\r'):
		case r == '\t' || r == '\n' || r == '\r':
			return RuleErrorf(ReasonControlCharacter, "must be one line, without tabs or line breaks (has %U)", r)
		default:
			return RuleErrorf(ReasonControlCharacter, "must not contain control characters (has %U)", r)
		}
	}
	return nil
}

// CleanText returns s as text that [CheckText] accepts on one line: invalid
// UTF-8 becomes U+FFFD, runs of white space (line breaks included) become
// one space, other control characters are dropped, and the ends are
// trimmed. It is for free text typed by people into a form, where refusing
// an invisible character would only puzzle them.
func CleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
