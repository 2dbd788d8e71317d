package verify_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/svarsign/svarsign/internal/testenv"
	"github.com/svarsign/svarsign/internal/testpdf"
	"github.com/svarsign/svarsign/server/pdfsign"
	"github.com/svarsign/svarsign/server/verify"
	vt "github.com/svarsign/svarsign/server/verify/verifytest"
)

// shadowPDF is a one-page document prepared for the shadow attacks: a
// visible amount, a second line hidden under a white overlay (a content
// stream, 6) and under a white square annotation (9), a text field
// "amount" with its appearance, an unused content stream (7) that
// says something else, a hidden second body of the page content (4) that
// the cross-reference does not list, and a reference to an object (99) that
// does not exist. Once signed, each can be turned into a different
// document by an incremental update.
func shadowPDF() vt.File {
	font := "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
	text := func(y int, s string) string { return fmt.Sprintf("BT /F1 18 Tf 72 %d Td (%s) Tj ET", y, s) }
	return vt.Build(1,
		vt.Object{Num: 1, Body: "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [8 0 R] /DA (/Helv 12 Tf 0 g) /DR << /Font << /Helv 5 0 R >> >> >> >>"},
		vt.Object{Num: 2, Body: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
		vt.Object{Num: 3, Body: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents [4 0 R 6 0 R 99 0 R] /Annots [8 0 R 9 0 R] >>"},
		vt.Object{Num: 4, Body: vt.Stream("", text(700, vt.ForgedText)), Hidden: true},
		vt.Object{Num: 4, Body: vt.Stream("", text(760, "Amount to pay: 100 NOK")+"\n"+text(700, "Hidden under the overlay"))},
		vt.Object{Num: 5, Body: font},
		vt.Object{Num: 6, Body: vt.Stream("", "1 1 1 rg 60 690 500 40 re f")},
		vt.Object{Num: 7, Body: vt.Stream("", text(760, vt.ForgedText))},
		vt.Object{Num: 8, Body: "<< /Type /Annot /Subtype /Widget /FT /Tx /T (amount) /V (100) /Rect [72 600 300 630] /P 3 0 R /F 4 /AP << /N 10 0 R >> >>"},
		vt.Object{Num: 9, Body: "<< /Type /Annot /Subtype /Square /Rect [60 640 560 680] /C [1 1 1] /IC [1 1 1] /F 4 /AP << /N 11 0 R >> >>"},
		vt.Object{Num: 10, Body: vt.Stream("/Type /XObject /Subtype /Form /BBox [0 0 228 30] /Resources << /Font << /Helv 5 0 R >> >>", "/Tx BMC BT /Helv 12 Tf 2 10 Td (100) Tj ET EMC")},
		vt.Object{Num: 11, Body: vt.Stream("/Type /XObject /Subtype /Form /BBox [0 0 500 40]", "1 1 1 rg 0 0 500 40 re f")},
	)
}

// attack is one file of the corpus.
type attack struct {
	name string
	file vt.File
	// want is part of the reason verify must give for the first failing
	// signature; "" means the file is honest and must verify.
	want string
}

// corpus builds the attack corpus from documents signed by the local
// provider: the PDF-Insecurity classes (incremental saving, universal
// signature forgery, signature wrapping), the shadow attacks (hide,
// replace, hide-and-replace), and honest updates that must still verify.
func corpus(t testing.TB, s *vt.Signer) []attack {
	dir := t.TempDir()
	signed := s.Sign(t, testpdf.Read(t, testpdf.Classic(t, dir, 1)))
	content := signed.Find(regexp.QuoteMeta(testpdf.Marker))[0]
	forged := vt.ForgedContent(signed)
	var cases []attack
	add := func(name string, f vt.File, want string) { cases = append(cases, attack{name, f, want}) }

	// Honest: all of these must verify.
	add("honest/signed once", signed, "")
	add("honest/signed twice, second only adds its signature", s.SignAs(t, signed, s.Person(t, "Ola Nordmann")), "")
	add("honest/signed twice by the local provider", s.Sign(t, signed), "")
	add("honest/DSS revision", s.AddDSS(t, signed), "")
	add("honest/DSS and document time stamp", s.AddDocTimeStamp(t, signed), "")
	add("honest/twice, then DSS and document time stamp", s.AddDocTimeStamp(t, s.SignAs(t, signed, s.Person(t, "Ola Nordmann"))), "")
	if _, err := exec.LookPath("qpdf"); err == nil || testenv.InCI() {
		once := s.Sign(t, testpdf.Read(t, testpdf.XRefStream(t, t.TempDir())))
		add("honest/xref streams, signed twice by the local provider", s.Sign(t, once), "")
		add("ISA/xref streams, a page added after the signature", addPage(t, once), "(page tree node) replaced: /Count, /Kids changed")
		lin := filepath.Join(t.TempDir(), "linearized.pdf")
		testpdf.Run(t, "qpdf", "--linearize", testpdf.Classic(t, t.TempDir(), 2), lin)
		linOnce := s.Sign(t, testpdf.Read(t, lin))
		add("honest/linearized, signed twice by the local provider", s.Sign(t, linOnce), "")
		add("ISA/linearized, a page added after the signature", addPage(t, linOnce), "(page tree node) replaced: /Count, /Kids changed")
	}
	shadow := s.Sign(t, shadowPDF())
	add("honest/shadow document signed", shadow, "")

	// Incremental saving attack: new content after the signature.
	add("ISA/new content, new xref with /Prev", vt.ReplaceContent(signed, content, forged),
		fmt.Sprintf("object %d (content stream of page 2) replaced: stream data changed", content))
	add("ISA/two revisions with a /Prev chain, the change in the second", vt.ReplaceContent(signed.Update(vt.Object{Num: signed.Root(), Body: signed.Body(signed.Root())}), content, forged),
		fmt.Sprintf("revision 5, after this signature: object %d (content stream of page 2) replaced", content))
	add("ISA/objects appended without xref or trailer", signed.UpdateWith(vt.UpdateOptions{NoXref: true}, vt.Object{Num: content, Body: vt.Stream("", forged)}),
		"belong to no revision")
	add("ISA/objects appended, the old startxref repeated", signed.UpdateWith(vt.UpdateOptions{NoXref: true, Tail: fmt.Sprintf("startxref\n%d\n%%%%EOF\n", signed.StartXref())}, vt.Object{Num: content, Body: vt.Stream("", forged)}),
		"belong to no revision")
	add("ISA/complete table without /Prev hiding the signed revisions", signed.UpdateWith(vt.UpdateOptions{Full: true}, vt.Object{Num: content, Body: vt.Stream("", forged)}),
		"not the end of a revision")
	add("ISA/hidden object the new xref does not list", signed.Update(vt.Object{Num: content, Body: vt.Stream("", forged), Hidden: true}, vt.Object{Num: signed.Root(), Body: signed.Body(signed.Root())}),
		fmt.Sprintf("object %d hidden: written at offset %d but not listed there", content, len(signed)))
	add("ISA/page added", addPage(t, signed), "(page tree node) replaced: /Count, /Kids changed")
	add("ISA/new content, then signed again by the service", s.Sign(t, vt.ReplaceContent(signed, content, forged)),
		fmt.Sprintf("object %d (content stream of page 2) replaced", content))

	// Universal signature forgery: a signature dictionary missing its
	// parts, or with parts of the wrong kind, on the unsigned original.
	unsigned := vt.File(testpdf.Read(t, testpdf.Classic(t, t.TempDir(), 1)))
	usf := func(sigDict string, cms []byte) vt.File {
		n := unsigned.Size()
		page := unsigned.Find(`/Type\s*/Page\b`)[0]
		objs := []vt.Object{
			{Num: n, Body: "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached " + sigDict + " >>"},
			{Num: n + 1, Body: fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /V %d 0 R /Rect [0 0 0 0] /F 132 /P %d 0 R >>", n, page)},
			{Num: page, Body: vt.AppendToArray(t, unsigned.Body(page), "Annots", fmt.Sprintf("%d 0 R", n+1))},
			{Num: unsigned.Root(), Body: strings.TrimSuffix(unsigned.Body(unsigned.Root()), ">>") + fmt.Sprintf("/AcroForm << /Fields [%d 0 R] /SigFlags 3 >> >>", n+1)},
		}
		if cms == nil {
			return unsigned.Update(objs...)
		}
		f, err := unsigned.SignedUpdate(func([]byte) ([]byte, error) { return cms, nil }, len(cms), objs...)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	slots := "/ByteRange " + vt.ByteRangeSlot + " /Contents " + vt.ContentsSlot
	add("USF/no /Contents", usf("/ByteRange [0 100 200 300]", nil), "/Contents is missing")
	add("USF/null /Contents", usf("/ByteRange [0 100 200 300] /Contents null", nil), "/Contents is missing")
	add("USF/empty /Contents", usf(slots, []byte{}), "/Contents is empty")
	add("USF//Contents an integer", usf("/ByteRange [0 100 200 300] /Contents 42", nil), "/Contents is missing or not a direct string")
	add("USF//Contents a literal string", usf("/ByteRange [0 100 200 300] /Contents (0\\000)", nil), "not a hex string")
	add("USF/no /ByteRange", usf("/Contents <3000>", nil), "/ByteRange is not a direct array")
	add("USF/null /ByteRange", usf("/ByteRange null /Contents <3000>", nil), "/ByteRange is not a direct array")
	add("USF//ByteRange [0 0 0 0]", usf("/ByteRange [0 0 0 0] /Contents <3000>", nil), "does not leave out exactly this dictionary's /Contents")
	beyond := usf(slots, []byte{0x30, 0x00})
	beyond = regexp.MustCompile(`(/ByteRange \[0 \d{10} \d{10} )\d{10}\]`).ReplaceAll(beyond, []byte("${1}9999999999]"))
	add("USF//ByteRange pointing past the file", beyond, "reaches past the end of the file")
	add("USF/garbage CMS", usf(slots, []byte{0x30, 0x03, 0x02, 0x01, 0x01}), "cms")
	otherCMS, err := s.CMS(s.Person(t, "Mallory"))(context.Background(), make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	add("USF/real CMS over other bytes", usf(slots, otherCMS), "message-digest")

	// Signature wrapping.
	add("SWA/signed ranges kept, new revision in the gap (issue item 3)", vt.Wrap(t, signed, content, forged),
		"does not leave out exactly this dictionary's /Contents")
	sig := vt.Signatures(t, signed)[0]
	copied := fmt.Sprintf("<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /Name (%s) /ByteRange [0 %d %d %d] /Contents <%x> >>",
		sig.Name, sig.ByteRange[1], sig.ByteRange[2], sig.ByteRange[3], sig.Contents)
	add("SWA/signature dictionary copied into a new revision", signed.Update(vt.Object{Num: signed.SignatureObject(sig.ByteRange), Body: copied}, vt.Object{Num: content, Body: vt.Stream("", forged)}),
		"does not leave out exactly this dictionary's /Contents")

	// Shadow attacks on the prepared document.
	page := shadow.Find(`/Type\s*/Page\b.*4 0 R`)[0]
	add("shadow hide/overlay content stream emptied", shadow.Update(vt.Object{Num: 6, Body: vt.Stream("", "")}),
		"object 6 (content stream of page 2) replaced: stream data changed")
	add("shadow hide/overlay dropped from the page's /Contents", shadow.Update(vt.Object{Num: page, Body: strings.Replace(shadow.Body(page), "[4 0 R 6 0 R 99 0 R]", "[4 0 R]", 1)}),
		fmt.Sprintf("object %d (page 2) replaced: /Contents changed", page))
	add("shadow hide/overlay annotation hidden", shadow.Update(vt.Object{Num: 9, Body: strings.Replace(shadow.Body(9), "/F 4", "/F 2", 1)}),
		"object 9 (annotation /Square) replaced: /F changed")
	add("shadow replace/form field value", shadow.Update(
		vt.Object{Num: 8, Body: strings.Replace(strings.Replace(shadow.Body(8), "(100)", "(100000)", 1), "10 0 R", "50 0 R", 1)},
		vt.Object{Num: 50, Body: vt.Stream("/Type /XObject /Subtype /Form /BBox [0 0 228 30] /Resources << /Font << /Helv 5 0 R >> >>", "/Tx BMC BT /Helv 12 Tf 2 10 Td (100000) Tj ET EMC")}),
		`object 8 (form field /Tx "amount") replaced: /AP, /V changed`)
	add("shadow replace/font", shadow.Update(vt.Object{Num: 5, Body: strings.Replace(shadow.Body(5), "/Encoding /WinAnsiEncoding", "/Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [49 /nine] >>", 1)}),
		"object 5 (font) replaced: /Encoding changed")
	add("shadow hide-and-replace/page content pointed at the unused object", shadow.Update(vt.Object{Num: page, Body: strings.Replace(shadow.Body(page), "[4 0 R 6 0 R 99 0 R]", "[7 0 R]", 1)}),
		fmt.Sprintf("object %d (page 2) replaced: /Contents changed", page))
	hidden := bytes.Index(shadow, []byte("4 0 obj"))
	add("shadow hide-and-replace/xref re-points an object at its hidden signed body", shadow.UpdateWith(vt.UpdateOptions{Entries: map[int]int{4: hidden}}),
		fmt.Sprintf("points at offset %d, outside this revision's bytes", hidden))
	n := shadow.Size()
	form := shadow.Find(`/Fields`)
	add("shadow hide-and-replace/a new signature field's appearance fills a dangling reference", shadow.Update(
		vt.Object{Num: n, Body: fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature9) /Rect [0 0 10 10] /P %d 0 R /AP << /N 99 0 R >> >>", page)},
		vt.Object{Num: 99, Body: vt.Stream("/Type /XObject /Subtype /Form /BBox [0 0 10 10]", "BT /F1 18 Tf 72 700 Td ("+vt.ForgedText+") Tj ET")},
		vt.Object{Num: page, Body: vt.AppendToArray(t, shadow.Body(page), "Annots", fmt.Sprintf("%d 0 R", n))},
		vt.Object{Num: form[len(form)-1], Body: vt.AppendToArray(t, shadow.Body(form[len(form)-1]), "Fields", fmt.Sprintf("%d 0 R", n))}),
		"object 99 (form XObject) added: the revisions before already referred to this object number")
	return cases
}

// addPage adds a page as pdfsign does for the front page.
func addPage(t testing.TB, f vt.File) vt.File {
	var out bytes.Buffer
	if err := pdfsign.AddPage(context.Background(), &out, bytes.NewReader(f), int64(len(f)), pdfsign.Page{Title: "Tillegg", Lines: []string{vt.ForgedText}}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// pdfsigVerdict runs pdfsig and sums up what it says of each signature.
func pdfsigVerdict(t *testing.T, path string) (verdict string, acceptsAll bool) {
	out, _ := exec.Command("pdfsig", path).CombinedOutput()
	blocks := regexp.MustCompile(`(?m)^Signature #\d+:`).Split(string(out), -1)
	if len(blocks) <= 1 {
		return "no signatures: " + firstLine(string(out)), false
	}
	var parts []string
	acceptsAll = true
	for i, b := range blocks[1:] {
		// pdfsig cannot check document time stamps, and lists unsigned
		// fields; neither counts.
		if strings.Contains(b, "is not signed") {
			parts = append(parts, fmt.Sprintf("#%d unsigned field", i+1))
			continue
		}
		if !strings.Contains(b, "Signature Type: ETSI.CAdES.detached") {
			parts = append(parts, fmt.Sprintf("#%d not checked by pdfsig (%s)", i+1, firstLine(b[strings.Index(b, "Signature Type:"):])))
			continue
		}
		v := "invalid"
		if strings.Contains(b, "Signature is Valid.") {
			v = "valid"
		} else {
			acceptsAll = false
		}
		if strings.Contains(b, "Not total document signed") {
			v += ", not total document signed"
		} else if strings.Contains(b, "Total document signed") {
			v += ", total document signed"
		}
		parts = append(parts, fmt.Sprintf("#%d %s", i+1, v))
	}
	return strings.Join(parts, "; "), acceptsAll
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// TestAttackCorpus runs verify on every file of the corpus: each attack is
// refused with a one-line reason naming what was changed, each honest file
// verifies. pdfsig's verdict on the same file is logged, and where pdfsig
// accepts every signature of an attack file, that is logged as its miss.
func TestAttackCorpus(t *testing.T) {
	t.Parallel()
	s := vt.NewSigner(t)
	cases := corpus(t, s)
	dir := t.TempDir()
	havePdfsig := true
	if _, err := exec.LookPath("pdfsig"); err != nil {
		testpdf.NeedPoppler(t, "pdfsig") // skips, or fails under CI
		havePdfsig = false
	}
	var misses []string
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, err := verify.File(bytes.NewReader(c.file), int64(len(c.file)), s.Roots())
			var buf bytes.Buffer
			if rep != nil {
				rep.Write(&buf, c.name)
			}
			reason := ""
			switch {
			case err != nil:
				reason = err.Error()
			case rep.OK():
			default:
				for _, sig := range rep.Signatures {
					if sig.Err != nil {
						reason = sig.Err.Error()
						break
					}
				}
				if reason == "" {
					reason = "no signatures"
				}
			}
			if strings.Contains(reason, "\n") {
				t.Errorf("the reason is not one line: %q", reason)
			}
			if c.want == "" && reason != "" {
				t.Errorf("honest file refused: %s\n%s", reason, buf.String())
			}
			if c.want != "" && !strings.Contains(reason, c.want) {
				t.Errorf("reason = %q, want it to contain %q\n%s", reason, c.want, buf.String())
			}
			if !havePdfsig {
				return
			}
			path := filepath.Join(dir, fmt.Sprintf("%02d.pdf", i))
			if err := os.WriteFile(path, c.file, 0o600); err != nil {
				t.Fatal(err)
			}
			verdict, accepts := pdfsigVerdict(t, path)
			ours := "accepted"
			if reason != "" {
				ours = "refused: " + reason
			}
			t.Logf("svarsign verify: %s\npdfsig: %s", ours, verdict)
			if c.want == "" && !accepts {
				t.Errorf("pdfsig does not accept an honest file: %s", verdict)
			}
			if c.want != "" && accepts {
				misses = append(misses, fmt.Sprintf("%s (pdfsig: %s)", c.name, verdict))
			}
		})
	}
	if len(misses) > 0 {
		t.Logf("attacks pdfsig accepts as validly signed (it may only warn \"Not total document signed\"), all refused by svarsign verify:\n  %s", strings.Join(misses, "\n  "))
	}
}
