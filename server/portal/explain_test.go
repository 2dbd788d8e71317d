package portal_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/svarsign/svarsign/internal/testenv"
)

// TestExplainByReason runs the page's explain (web/src/text.ts) in node: a
// field violation is told by its field and reason, whatever the server's
// English says, and one the page has no words for falls back to them.
func TestExplainByReason(t *testing.T) {
	testenv.NeedCommand(t, "node", "apt-get install nodejs (Node 20 or later)")
	root := repoRoot(t)
	esbuild := filepath.Join(root, "node_modules", ".bin", "esbuild")
	testenv.NeedFile(t, esbuild, "npm ci (in the repository root)")

	type violation struct{ Field, Reason, Description string }
	tests := []struct {
		in   violation
		want string
	}{
		// The descriptions mislead on purpose: only the reason may decide.
		{violation{"signing_order.deadline", "TOO_EARLY", "must be at most 90 days ahead"}, "Fristen er for tidlig."},
		{violation{"signing_order.deadline", "TOO_LATE", "is required"}, "Fristen er for langt fram i tid."},
		{violation{"signing_order.deadline", "REQUIRED", "must be at least 24 hours ahead"}, "Velg en frist for signering."},
		{violation{"recipient.organization_number", "NOT_A_PERSON", "check digit does not match"}, "En virksomhet kan ikke signere. Signeringsoppdrag kan bare sendes til privatpersoner."},
		{violation{"recipient.organization_number", "INVALID_ORGANIZATION_NUMBER", "a signing order needs a person"}, "Organisasjonsnummeret er ikke gyldig. Det skal ha 9 siffer med riktig kontrollsiffer."},
		{violation{"documents", "NO_DOCUMENT_TO_SIGN", "at least one document is required"}, "Velg hvilket dokument mottakeren skal signere."},
		{violation{"documents", "REQUIRED", "a signing order needs exactly one document marked sign"}, "Last opp minst ett dokument."},
		{violation{"documents[2].file_name", "DUPLICATE", "no document named x was uploaded"}, "To dokumenter har samme navn. Hvert filnavn kan bare brukes én gang."},
		{violation{"documents[0].file_name", "NOT_UPLOADED", "file names must be unique"}, "Dokumentet ble ikke lastet opp. Send på nytt."},
		{violation{"title", "TOO_LONG", "is required"}, "Tittelen er for lang."},
		// A field the page has no words for: by reason alone.
		{violation{"external_ref", "REQUIRED", "is required"}, "Feltet må fylles ut."},
		// Neither field nor reason known: the server's words.
		{violation{"archive_metadata.case_year", "OUT_OF_RANGE", "must not be negative"}, "Ugyldig verdi (archive_metadata.case_year): must not be negative"},
		{violation{"title", "constructor", "odd"}, "Ugyldig verdi (title): odd"},
	}

	dir := t.TempDir()
	entry := filepath.Join(dir, "entry.ts")
	src := `import { explain } from ` + jsString(filepath.Join(root, "web", "src", "text.ts")) + `;
const cases = JSON.parse(process.argv[2]);
console.log(JSON.stringify(cases.map((c) => explain(c.Field, c.Reason, c.Description))));
`
	if err := os.WriteFile(entry, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "explain.mjs")
	cmd := exec.Command(esbuild, entry, "--bundle", "--platform=node", "--format=esm", "--log-level=warning", "--outfile="+out)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("esbuild: %v\n%s", err, b)
	}
	var in []violation
	for _, tt := range tests {
		in = append(in, tt.in)
	}
	arg, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := exec.Command("node", out, string(arg)).Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var got []string
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("node printed %s: %v", b, err)
	}
	if len(got) != len(tests) {
		t.Fatalf("node printed %d answers, want %d", len(got), len(tests))
	}
	for i, tt := range tests {
		if got[i] != tt.want {
			t.Errorf("explain(%q, %q, %q) = %q, want %q", tt.in.Field, tt.in.Reason, tt.in.Description, got[i], tt.want)
		}
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
