package domain

import (
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"
)

// CheckMetadata adds to v a violation for each way the metadata m breaks
// the limits: more than [MaxMetadataEntries] entries, an empty key, a key
// longer than [MaxMetadataKeyLen] or a value longer than
// [MaxMetadataValueLen] characters, or text that is not valid UTF-8.
//
// field is the path of the map, such as "documents[0].metadata". Problems
// with one entry are reported on field["key"]; problems with the map as a
// whole, and keys too long to repeat in a path, on field itself. Entries
// are visited in key order so that the report is the same on every call.
func CheckMetadata(field string, m map[string]string, v *Violations) {
	if len(m) > MaxMetadataEntries {
		v.Addf(field, ReasonTooMany, "must have at most %d entries (has %d)", MaxMetadataEntries, len(m))
	}
	for _, key := range slices.Sorted(maps.Keys(m)) {
		value := m[key]
		switch n := utf8.RuneCountInString(key); {
		case key == "":
			v.Add(field+`[""]`, ReasonRequired, "key must not be empty")
		case !utf8.ValidString(key):
			// A path holding invalid UTF-8 could not be sent back in an
			// error detail, so the map itself is named.
			v.Add(field, ReasonInvalidUTF8, "keys must be valid UTF-8")
			continue
		case n > MaxMetadataKeyLen:
			// Echoing a key of arbitrary length would let one request
			// inflate the error (and gRPC trailers are small), so the map
			// is named and the key shortened.
			v.Addf(field, ReasonTooLong, "key %q… must be at most %d characters (has %d)",
				truncateRunes(key, 20), MaxMetadataKeyLen, n)
			continue
		}
		entry := fmt.Sprintf("%s[%q]", field, key)
		if !utf8.ValidString(value) {
			v.Add(entry, ReasonInvalidUTF8, "must be valid UTF-8")
		} else if n := utf8.RuneCountInString(value); n > MaxMetadataValueLen {
			v.Addf(entry, ReasonTooLong, "must be at most %d characters (has %d)", MaxMetadataValueLen, n)
		}
	}
}

// truncateRunes returns the first n runes of s.
func truncateRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
