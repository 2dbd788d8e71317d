package verify_test

import (
	"bytes"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/svarsign/svarsign/internal/testpdf"
	"github.com/svarsign/svarsign/server/pdfsign"
	"github.com/svarsign/svarsign/server/verify"
	vt "github.com/svarsign/svarsign/server/verify/verifytest"
)

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// TestFieldsShareOneSignature gives one signature dictionary 901 fields:
// it is one signature, hashed once (verify used to hash the file once per
// field), and the revision that added the 900 copies is a change that
// fails it.
func TestFieldsShareOneSignature(t *testing.T) {
	t.Parallel()
	s := vt.NewSigner(t)
	// A document of 1 MiB, so that hashing it dominates what is read.
	big := filepath.Join(t.TempDir(), "big.pdf")
	testpdf.Big(t, big, 1<<20)
	signed := s.Sign(t, testpdf.Read(t, big))
	f := vt.ManyFields(t, signed, 900)
	size := int64(len(f))
	src := &countingReader{r: bytes.NewReader(f)}
	rep, err := verify.File(src, size, s.Roots())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Signatures) != 1 || rep.Signatures[0].Fields != 901 {
		t.Fatalf("%d signatures, the first with %d fields; want one signature with 901 fields", len(rep.Signatures), rep.Signatures[0].Fields)
	}
	if read := src.n.Load(); read > 20*size {
		t.Errorf("verify read %d bytes of a %d-byte file: more than one hash pass per signature", read, size)
	}
	if err := rep.Signatures[0].Err; err == nil || !strings.Contains(err.Error(), "is not a signature dictionary of this revision") {
		t.Errorf("err = %v, want the copied fields refused", err)
	}
}

// TestReportListsLaterChanges checks what the report tells of a document
// signed twice: signature 1 lists the second signature's objects, each
// allowed, and the printed report shows them.
func TestReportListsLaterChanges(t *testing.T) {
	t.Parallel()
	s := vt.NewSigner(t)
	signed := s.Sign(t, testpdf.Read(t, testpdf.Classic(t, t.TempDir(), 1)))
	twice := s.SignAs(t, signed, s.Person(t, "Ola Nordmann"))
	rep, err := verify.File(bytes.NewReader(twice), int64(len(twice)), s.Roots())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	rep.Write(&buf, "twice.pdf")
	if !rep.OK() || len(rep.Signatures) != 2 || rep.Revisions != 4 {
		t.Fatalf("want two valid signatures in four revisions:\n%s", buf.String())
	}
	first := rep.Signatures[0]
	if first.Revision != 3 || len(first.Later) == 0 {
		t.Fatalf("signature 1: revision %d, %d later changes; want revision 3 and the second signature's objects", first.Revision, len(first.Later))
	}
	kinds := map[string]bool{}
	for _, c := range first.Later {
		if !c.Allowed || c.Revision != 4 {
			t.Errorf("later change %v (revision %d) not allowed", c.Change, c.Revision)
		}
		kinds[c.What] = true
	}
	for _, want := range []string{"signature dictionary", "signature field", "AcroForm", "page 1"} {
		if !kinds[want] {
			t.Errorf("later changes lack the %s: %v", want, first.Later)
		}
	}
	for _, want := range []string{"revision 3 of 4", "changed by later revisions:", "revision 4: object", "(signature dictionary) added", "[allowed]", "OK: all 2 signature(s) valid"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, buf.String())
		}
	}
	if rep.Signatures[1].Revision != 4 || len(rep.Signatures[1].Later) != 0 {
		t.Errorf("signature 2: revision %d, later %v", rep.Signatures[1].Revision, rep.Signatures[1].Later)
	}
}

// TestSignatureDictionaryChecks covers the signature dictionary rules that
// the corpus does not: /Contents twice, a dictionary inside an object
// stream.
func TestSignatureDictionaryChecks(t *testing.T) {
	t.Parallel()
	s := vt.NewSigner(t)
	signed := s.Sign(t, testpdf.Read(t, testpdf.Classic(t, t.TempDir(), 1)))
	sig := vt.Signatures(t, signed)[0]
	// A second /Contents key in front of the real one, at equal length so
	// that every offset stays right: readers differ on which one counts.
	obj := signed.SignatureObject(sig.ByteRange)
	at := bytes.Index(signed, []byte("/SubFilter /ETSI.CAdES.detached"))
	dup := bytes.Clone(signed)
	copy(dup[at:], "/Contents <00> /SubFilter /ETSI")
	rep, err := verify.File(bytes.NewReader(dup), int64(len(dup)), s.Roots())
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || !regexp.MustCompile(`/Contents appears twice`).MatchString(rep.Signatures[0].Err.Error()) {
		t.Errorf("object %d with /Contents twice: %v", obj, rep.Signatures[0].Err)
	}
	if _, err := pdfsign.Signatures(bytes.NewReader(dup), int64(len(dup))); err != nil {
		t.Errorf("Signatures: %v", err)
	}
}
