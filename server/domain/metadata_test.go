package domain_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/svarsign/svarsign/server/domain"
)

func TestCheckMetadata(t *testing.T) {
	const field = "documents[0].metadata"
	entries := func(n int) map[string]string {
		m := make(map[string]string, n)
		for i := range n {
			m[fmt.Sprintf("k%02d", i)] = "v"
		}
		return m
	}
	tests := []struct {
		name string
		in   map[string]string
		want []domain.Violation
	}{
		{"nil", nil, nil},
		{"empty", map[string]string{}, nil},
		{"20 entries", entries(20), nil},
		{"limits exactly", map[string]string{
			strings.Repeat("æ", 100): strings.Repeat("ø", 1000),
		}, nil},
		{"empty value", map[string]string{"saksnummer": ""}, nil},

		{"21 entries", entries(21), []domain.Violation{
			{field, domain.ReasonTooMany, "must have at most 20 entries (has 21)"},
		}},
		{"empty key", map[string]string{"": "x"}, []domain.Violation{
			{field + `[""]`, domain.ReasonRequired, "key must not be empty"},
		}},
		{"key 101 runes", map[string]string{strings.Repeat("æ", 101): "x"}, []domain.Violation{
			{field, domain.ReasonTooLong, `key "` + strings.Repeat("æ", 20) + `"… must be at most 100 characters (has 101)`},
		}},
		{"value 1001 runes", map[string]string{"saksnummer": strings.Repeat("ø", 1001)}, []domain.Violation{
			{field + `["saksnummer"]`, domain.ReasonTooLong, "must be at most 1000 characters (has 1001)"},
		}},
		{"key with quote", map[string]string{`a"b`: strings.Repeat("x", 1001)}, []domain.Violation{
			{field + `["a\"b"]`, domain.ReasonTooLong, "must be at most 1000 characters (has 1001)"},
		}},
		{"invalid UTF-8 key", map[string]string{"a\xff": "x"}, []domain.Violation{
			{field, domain.ReasonInvalidUTF8, "keys must be valid UTF-8"},
		}},
		{"invalid UTF-8 value", map[string]string{"a": "\xff"}, []domain.Violation{
			{field + `["a"]`, domain.ReasonInvalidUTF8, "must be valid UTF-8"},
		}},
		{"several problems in key order", map[string]string{
			"b": strings.Repeat("x", 1001),
			"":  "x",
			"a": strings.Repeat("x", 1002),
		}, []domain.Violation{
			{field + `[""]`, domain.ReasonRequired, "key must not be empty"},
			{field + `["a"]`, domain.ReasonTooLong, "must be at most 1000 characters (has 1002)"},
			{field + `["b"]`, domain.ReasonTooLong, "must be at most 1000 characters (has 1001)"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v domain.Violations
			domain.CheckMetadata(field, tt.in, &v)
			if got := v.List(); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("CheckMetadata(%q, ...) violations:\n got %q\nwant %q", field, got, tt.want)
			}
		})
	}
}

func TestCheckMetadataKeepsEarlierViolations(t *testing.T) {
	var v domain.Violations
	v.Add("title", domain.ReasonRequired, "is required")
	domain.CheckMetadata("documents[0].metadata", map[string]string{"": ""}, &v)
	if v.Len() != 2 || v.List()[0].Field != "title" {
		t.Fatalf("violations = %q, want the earlier one kept and one added", v.List())
	}
}
