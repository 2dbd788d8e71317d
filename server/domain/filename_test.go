package domain_test

import (
	"strings"
	"testing"

	"github.com/svarsign/svarsign/server/domain"
)

func TestCheckFileName(t *testing.T) {
	const ok = ""
	tests := []struct {
		name, in, want string // want is a substring of the error, or ok
	}{
		{"plain", "vedtak.pdf", ok},
		{"Norwegian letters", "Søknad om barnehageplass – ærlig.pdf", ok},
		{"spaces and comma", "brev, side 1 (kopi).pdf", ok},
		{"no extension", "README", ok},
		{"leading dot", ".hidden", ok},
		{"three dots", "...", ok},
		{"226 ASCII", strings.Repeat("a", 222) + ".pdf", ok},
		{"226 multibyte runes", strings.Repeat("ø", 222) + ".pdf", ok},
		{"226 four-byte runes", strings.Repeat("😀", 226), ok},

		{"empty", "", "is required"},
		{"only spaces", "   ", "is required"},
		{"227 ASCII", strings.Repeat("a", 223) + ".pdf", "at most 226 characters (has 227)"},
		{"227 multibyte runes", strings.Repeat("ø", 223) + ".pdf", "at most 226 characters (has 227)"},
		{"dot", ".", `must not be "." or ".."`},
		{"dot dot", "..", `must not be "." or ".."`},
		{"invalid UTF-8", "brev\xff.pdf", "valid UTF-8"},
		{"NUL", "a\x00b.pdf", "control characters"},
		{"newline", "a\nb.pdf", "control characters"},
		{"tab", "a\tb.pdf", "control characters"},
		{"DEL", "a\x7fb.pdf", "control characters"},
		{"C1 control", "a\u0085b.pdf", "control characters"},
	}
	for _, c := range `"<>?*|:\/` {
		tests = append(tests, struct{ name, in, want string }{
			name: "forbidden " + string(c),
			in:   "a" + string(c) + "b.pdf",
			want: "must not contain " + string(c),
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.CheckFileName(tt.in)
			if tt.want == ok {
				if err != nil {
					t.Fatalf("CheckFileName(%q) = %v, want nil", tt.in, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("CheckFileName(%q) = %v, want error containing %q", tt.in, err, tt.want)
			}
		})
	}
}
