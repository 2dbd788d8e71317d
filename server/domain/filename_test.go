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
		{"dots inside", "a...b", ok},
		{"space inside", "brev til Kari.pdf", ok},
		{"reserved name inside", "CONTRACT.pdf", ok},
		{"reserved name as extension", "brev.con", ok},
		{"reserved name with suffix", "CON1.pdf", ok},
		{"COM10", "COM10.txt", ok},
		{"LPT with letter", "LPTX", ok},
		{"Arabic", "رسالة.pdf", ok},
		{"combining accent", "é.pdf", ok},
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
		{"bidi override RLO", "a\u202etxt.exe", "invisible formatting characters (has U+202E)"},
		{"bidi embedding LRE", "\u202aa.pdf", "U+202A"},
		{"bidi pop PDF", "a\u202c.pdf", "U+202C"},
		{"bidi isolate RLI", "a\u2067b.pdf", "U+2067"},
		{"bidi isolate PDI", "a\u2069b.pdf", "U+2069"},
		{"right-to-left mark", "a\u200fb.pdf", "U+200F"},
		{"zero-width space", "a\u200bb.pdf", "U+200B"},
		{"zero-width joiner", "a\u200db.pdf", "U+200D"},
		{"byte order mark", "\ufeffa.pdf", "U+FEFF"},
		{"soft hyphen", "a\u00adb.pdf", "U+00AD"},
		{"line separator", "a\u2028b.pdf", "U+2028"},
		{"paragraph separator", "a\u2029b.pdf", "U+2029"},
		{"three dots", "...", "must not end with a dot"},
		{"trailing dot", "brev.", "must not end with a dot"},
		{"trailing dot after extension", "brev.pdf.", "must not end with a dot"},
		{"trailing space", "brev.pdf ", "white space"},
		{"leading space", " brev.pdf", "white space"},
		{"trailing no-break space", "brev.pdf\u00a0", "white space"},
		{"leading ideographic space", "\u3000brev.pdf", "white space"},
		{"CON", "CON", "Windows device name CON"},
		{"con lower case", "con", "Windows device name CON"},
		{"Con with extension", "Con.pdf", "Windows device name CON"},
		{"NUL with two extensions", "nul.tar.gz", "Windows device name NUL"},
		{"PRN", "PRN.txt", "Windows device name PRN"},
		{"AUX", "aux.pdf", "Windows device name AUX"},
		{"COM1", "COM1", "Windows device name COM1"},
		{"com9 with extension", "com9.pdf", "Windows device name COM9"},
		{"COM0", "COM0.txt", "Windows device name COM0"},
		{"LPT1", "LPT1.pdf", "Windows device name LPT1"},
		{"lpt9", "lpt9", "Windows device name LPT9"},
		{"COM superscript", "COM\u00b9.pdf", "Windows device name COM\u00b9"},
		{"CONIN$", "conin$.txt", "Windows device name CONIN$"},
		{"CON space before extension", "CON .pdf", "Windows device name CON"},
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
