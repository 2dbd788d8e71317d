package reqcheck_test

import (
	"slices"
	"strings"
	"testing"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/reqcheck"
)

func fields(v *domain.Violations) []string {
	var out []string
	for _, x := range v.List() {
		out = append(out, x.Field)
	}
	return out
}

// TestCheckPaths: every offending string is named by its path, in field
// order, and free-text fields may hold line breaks where others may not.
func TestCheckPaths(t *testing.T) {
	req := &svarsignv1.SendShipmentRequest{
		Title: "Vedtak\nmed linjeskift",
		Recipient: &svarsignv1.Recipient{
			Identity:      &svarsignv1.Recipient_NationalIdentityNumber{NationalIdentityNumber: "0101\x0090"},
			PostalAddress: &svarsignv1.PostalAddress{Lines: []string{"Storgata 1", "\x1b[2J"}},
		},
		Documents: []*svarsignv1.DocumentSpec{
			{FileName: "ok.pdf", Metadata: map[string]string{"merknad": "linje 1\nlinje 2", "b": "\x00", "a\x00": "v", strings.Repeat("k", 101): "\x07"}},
			{FileName: "a\u0085.pdf"},
		},
		ArchiveMetadata: &svarsignv1.ArchiveMetadata{CaseWorker: "Ola\tNordmann"},
	}
	var v domain.Violations
	reqcheck.Check(req, &v)
	want := []string{
		"title",
		"recipient.national_identity_number",
		"recipient.postal_address.lines[1]",
		"documents[0].metadata",        // the key "a\x00", named by the map
		`documents[0].metadata["b"]`,   // NUL in a value
		"documents[0].metadata",        // a value under a key too long to repeat
		"documents[1].file_name",       // C1 control
		"archive_metadata.case_worker", // tab
	}
	if got := fields(&v); !slices.Equal(got, want) {
		t.Fatalf("violations on\n%q\nwant\n%q", got, want)
	}
	for _, x := range v.List() {
		if x.Description == "" || strings.ContainsRune(x.Description, 0) {
			t.Errorf("violation %+v: description empty or holding NUL", x)
		}
	}

	// Free text may span lines, but NUL is refused there too.
	var ok domain.Violations
	reqcheck.Check(&svarsignv1.RejectIncomingRequest{Id: "x", Message: "Feil:\r\n\tfilen mangler"}, &ok)
	reqcheck.Check(&svarsignv1.CancelSigningOrderRequest{Reason: "Trukket\ntilbake"}, &ok)
	if ok.Len() != 0 {
		t.Fatalf("line breaks in free text refused: %v", ok.List())
	}
	var bad domain.Violations
	reqcheck.Check(&svarsignv1.RejectIncomingRequest{Message: "Feil\x00"}, &bad)
	if got := fields(&bad); !slices.Equal(got, []string{"message"}) {
		t.Fatalf("NUL in free text: violations on %q, want [message]", got)
	}
}
