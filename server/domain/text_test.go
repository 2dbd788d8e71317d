package domain_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/svarsign/svarsign/server/domain"
)

func TestCheckText(t *testing.T) {
	const ok = ""
	tests := []struct {
		name, in  string
		multiline bool
		want      string // substring of the error, or ok
	}{
		{"empty", "", false, ok},
		{"Norwegian", "Vedtak om barnehageplass – Ærlig Åse", false, ok},
		{"bidi mark in a name", "\u200fمحمد", false, ok},
		{"emoji", "brev 😀", false, ok},
		{"newline in free text", "linje 1\nlinje 2\r\n\tinnrykk", true, ok},

		{"NUL", "a\x00b", false, "NUL (U+0000)"},
		{"NUL in free text", "a\x00b", true, "NUL (U+0000)"},
		{"NUL alone", "\x00", false, "NUL"},
		{"invalid UTF-8", "a\xffb", false, "valid UTF-8"},
		{"invalid UTF-8 in free text", "a\xc3", true, "valid UTF-8"},
		{"surrogate half", "a\xed\xa0\x80b", false, "valid UTF-8"},
		{"newline", "a\nb", false, "one line"},
		{"carriage return", "a\rb", false, "one line"},
		{"tab", "a\tb", false, "one line"},
		{"bell", "a\x07b", false, "control characters (has U+0007)"},
		{"bell in free text", "a\x07b", true, "control characters (has U+0007)"},
		{"escape", "\x1b[31mred", true, "U+001B"},
		{"DEL", "a\x7f", false, "U+007F"},
		{"C1 NEL", "a\u0085b", true, "U+0085"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.CheckText(tt.in, tt.multiline)
			if tt.want == ok {
				if err != nil {
					t.Fatalf("CheckText(%q, %v) = %v, want nil", tt.in, tt.multiline, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("CheckText(%q, %v) = %v, want error containing %q", tt.in, tt.multiline, err, tt.want)
			}
		})
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  Jeg vil ikke  signere \n nå\t", "Jeg vil ikke signere nå"},
		{"a\x00b", "ab"},
		{"a\x1b[31mb", "a[31mb"},
		{"a\xffb", "a\uFFFDb"},
		{"linje\r\nlinje\u0085slutt", "linje linje slutt"},
		{"\u202eomvendt", "\u202eomvendt"}, // format characters are not control characters
	}
	for _, tt := range tests {
		got := domain.CleanText(tt.in)
		if got != tt.want {
			t.Errorf("CleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if err := domain.CheckText(got, false); err != nil {
			t.Errorf("CleanText(%q) = %q, which CheckText refuses: %v", tt.in, got, err)
		}
	}
}

// FuzzCleanText: whatever goes in, CleanText gives one line of text that
// CheckText accepts, keeps every printable character of valid input in
// order, and changes nothing the second time.
func FuzzCleanText(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		got := domain.CleanText(s)
		if err := domain.CheckText(got, false); err != nil {
			t.Fatalf("CleanText(%q) = %q, refused by CheckText: %v", s, got, err)
		}
		if again := domain.CleanText(got); again != got {
			t.Fatalf("CleanText not idempotent: %q -> %q -> %q", s, got, again)
		}
		if utf8.ValidString(s) {
			var want []rune
			for _, r := range s {
				if !unicode.IsControl(r) && !unicode.IsSpace(r) {
					want = append(want, r)
				}
			}
			var have []rune
			for _, r := range got {
				if r != ' ' {
					have = append(have, r)
				}
			}
			if string(want) != string(have) {
				t.Fatalf("CleanText(%q) = %q lost or added characters", s, got)
			}
		}
	})
}
