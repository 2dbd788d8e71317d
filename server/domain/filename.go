package domain

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// forbiddenFileNameChars are the characters SvarUt refuses in file names.
// They are the ones Windows forbids, so a recipient can save every
// document under its own name.
const forbiddenFileNameChars = `"<>?*|:\/`

// CheckFileName reports whether name is acceptable as a document's file
// name: present, valid UTF-8, at most [MaxFileNameLen] characters, free of
// control characters and of the characters " < > ? * | : \ /, and not "."
// or "..". The returned error names the first rule that failed.
//
// Uniqueness within a shipment is a property of the whole shipment and is
// checked by the caller.
func CheckFileName(name string) error {
	if strings.TrimSpace(name) == "" {
		return errors.New("is required")
	}
	if !utf8.ValidString(name) {
		return errors.New("must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(name); n > MaxFileNameLen {
		return fmt.Errorf("must be at most %d characters (has %d)", MaxFileNameLen, n)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return errors.New("must not contain control characters")
		}
		if strings.ContainsRune(forbiddenFileNameChars, r) {
			return fmt.Errorf(`must not contain %c (none of " < > ? * | : \ / is allowed)`, r)
		}
	}
	if name == "." || name == ".." {
		return errors.New(`must not be "." or ".."`)
	}
	return nil
}
