package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// forbiddenFileNameChars are the characters SvarUt refuses in file names.
// They are the ones Windows forbids, so a recipient can save every
// document under its own name.
const forbiddenFileNameChars = `"<>?*|:\/`

// CheckFileName reports whether name is acceptable as a document's file
// name. The returned error names the first rule that failed. A name must be
//
//   - present, valid UTF-8 and at most [MaxFileNameLen] characters;
//   - free of control characters and of invisible formatting characters
//     (Unicode categories Cc, Cf, Zl and Zp: NUL, line breaks, the bidi
//     overrides and isolates U+202A–U+202E and U+2066–U+2069, zero-width
//     spaces and joiners), which can make "invoice\u202Efdp.exe" display as
//     "invoiceexe.pdf";
//   - free of the characters " < > ? * | : \ /;
//   - without leading or trailing white space and without a trailing dot,
//     which Windows strips silently, and not "." or "..";
//   - not a Windows device name (CON, PRN, AUX, NUL, COM0–COM9, LPT0–LPT9,
//     CONIN$, CONOUT$), in any case and with or without an extension:
//     Windows cannot save a file called "con.pdf".
//
// Uniqueness within a shipment is a property of the whole shipment and is
// checked by the caller.
func CheckFileName(name string) error {
	if strings.TrimSpace(name) == "" {
		return RuleErrorf(ReasonRequired, "is required")
	}
	if !utf8.ValidString(name) {
		return RuleErrorf(ReasonInvalidUTF8, "must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(name); n > MaxFileNameLen {
		return RuleErrorf(ReasonTooLong, "must be at most %d characters (has %d)", MaxFileNameLen, n)
	}
	for _, r := range name {
		if invisible(r) {
			return RuleErrorf(ReasonControlCharacter, "must not contain control characters or invisible formatting characters (has %U)", r)
		}
		if strings.ContainsRune(forbiddenFileNameChars, r) {
			return RuleErrorf(ReasonInvalidFileName, `must not contain %c (none of " < > ? * | : \ / is allowed)`, r)
		}
	}
	if name == "." || name == ".." {
		return RuleErrorf(ReasonInvalidFileName, `must not be "." or ".."`)
	}
	first, _ := utf8.DecodeRuneInString(name)
	last, _ := utf8.DecodeLastRuneInString(name)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return RuleErrorf(ReasonInvalidFileName, "must not begin or end with white space")
	}
	if last == '.' {
		return RuleErrorf(ReasonInvalidFileName, "must not end with a dot")
	}
	if stem := reservedStem(name); stem != "" {
		return RuleErrorf(ReasonInvalidFileName, "must not be the Windows device name %s, with or without an extension", stem)
	}
	return nil
}

// invisible reports whether r is a control character or a character that
// changes how text around it is shown without being seen itself.
func invisible(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
}

// reservedStem returns the Windows device name that name would open, or ""
// if it is an ordinary name. Windows looks at the part before the first dot,
// ignoring trailing spaces, and treats the superscript digits ¹ ² ³ as
// port numbers too.
func reservedStem(name string) string {
	stem, _, _ := strings.Cut(name, ".")
	stem = strings.ToUpper(strings.TrimRight(stem, " "))
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return stem
	}
	for _, port := range []string{"COM", "LPT"} {
		if n, ok := strings.CutPrefix(stem, port); ok && utf8.RuneCountInString(n) == 1 && strings.Contains("0123456789¹²³", n) {
			return stem
		}
	}
	return ""
}
