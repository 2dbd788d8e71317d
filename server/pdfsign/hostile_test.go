package pdfsign_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/svarsign/svarsign/internal/memstat"
	"github.com/svarsign/svarsign/internal/testpdf"
	"github.com/svarsign/svarsign/server/pdfsign"
)

// readers are the exported functions that parse a document.
var readers = []struct {
	name string
	read func(b []byte) error
}{
	{"Check", func(b []byte) error { return pdfsign.Check(bytes.NewReader(b), int64(len(b))) }},
	{"Signatures", func(b []byte) error {
		_, err := pdfsign.Signatures(bytes.NewReader(b), int64(len(b)))
		return err
	}},
	{"AddPage", func(b []byte) error {
		return pdfsign.AddPage(context.Background(), &bytes.Buffer{}, bytes.NewReader(b), int64(len(b)), pdfsign.Page{Title: "x"})
	}},
	{"Sign", func(b []byte) error {
		sign := func(context.Context, []byte) ([]byte, error) { return []byte{0x30, 0}, nil }
		return pdfsign.Sign(context.Background(), &bytes.Buffer{}, bytes.NewReader(b), int64(len(b)), pdfsign.Options{}, sign)
	}},
}

// hostile is a document that must be refused with an error matching want
// and containing text, allocating less than maxAlloc bytes in all, by the
// readers named in by (all if empty): Signatures reads no page tree, and
// AddPage only its root.
type hostile struct {
	name     string
	data     func() []byte
	want     error
	text     string
	maxAlloc uint64
	by       []string
}

var pageReaders = []string{"Check", "AddPage", "Sign"}

// The attack files of issue 10 items 1 and 2 first, then more of their kind.
var hostileDocs = []hostile{
	// Item 1: on the base commit, a stack overflow that kills the process.
	{"object stream Length inside itself", testpdf.ObjStmSelfLength, pdfsign.ErrDamaged, "needed to read itself", 1 << 20, nil},
	// Item 2: 23 s and 2.4 GB on the base commit. 16,777,215 is beyond
	// the object numbers a PDF may use; 8,000,000 is not, but beyond what
	// 8 KiB of file can hold.
	{"xref stream Index 0 16777215", func() []byte { return testpdf.XRefIndexBomb(1<<24 - 1) }, pdfsign.ErrDamaged, "/Index", 1 << 20, nil},
	{"xref stream Index 0 8000000", func() []byte { return testpdf.XRefIndexBomb(8_000_000) }, pdfsign.ErrLimit, "cross-reference entries", 1 << 20, nil},
	// Item 2: accepted with a 3.7 GB peak on the base commit. Each stream
	// is beyond the limit for one stream, so none is decoded.
	{"40 object streams of 63 MiB", func() []byte { return testpdf.ObjStmBomb(40, 63<<20) }, pdfsign.ErrLimit, "inflates to more than", 4 << 20, []string{"Check", "Sign"}},
	// Each stream is within the limit for one, but not all of them: the
	// limit of 64 MiB decoded per document holds, cache included.
	{"40 object streams of 31 MiB", func() []byte { return testpdf.ObjStmBomb(40, 31<<20) }, pdfsign.ErrLimit, "in all", 80 << 20, []string{"Check", "Sign"}},
	{"arrays nested 10,000 deep", func() []byte {
		return classicPDF("<</Type/Pages/Kids[3 0 R]/Count 1/X " + strings.Repeat("[", 10_000) + ">>")
	}, pdfsign.ErrLimit, "nested", 4 << 20, pageReaders},
	{"dictionaries nested 10,000 deep", func() []byte {
		return classicPDF("<</Type/Pages/Kids[3 0 R]/Count 1/X " + strings.Repeat("<</X ", 10_000) + ">>")
	}, pdfsign.ErrLimit, "nested", 4 << 20, pageReaders},
	{"two million kids", func() []byte {
		return classicPDF("<</Type/Pages/Count 1/Kids[" + strings.Repeat("3 0 R ", 2_000_000) + "]>>")
	}, pdfsign.ErrLimit, "values", 64 << 20, pageReaders},
	{"reference loop", func() []byte {
		return classicPDF("<</Type/Pages/Kids 5 0 R/Count 1>>", "6 0 R", "5 0 R")
	}, pdfsign.ErrDamaged, "reference chain", 1 << 20, pageReaders},
	{"xref subsection overflowing int64", func() []byte {
		b := classicPDF("<</Type/Pages/Kids[3 0 R]/Count 1>>")
		return bytes.Replace(b, []byte("xref\n0 5\n"), []byte("xref\n4611686018427387904 4611686018427387904\n"), 1)
	}, pdfsign.ErrDamaged, "subsection", 1 << 20, nil},
	{"Prev out of range", func() []byte {
		b := classicPDF("<</Type/Pages/Kids[3 0 R]/Count 1>>")
		return bytes.Replace(b, []byte("/Root 1 0 R>>"), []byte("/Root 1 0 R/Prev -5>>"), 1)
	}, pdfsign.ErrDamaged, "/Prev", 1 << 20, nil},
	{"Prev loop", func() []byte {
		b := classicPDF("<</Type/Pages/Kids[3 0 R]/Count 1>>")
		xref := bytes.LastIndex(b, []byte("\nxref\n")) + 1
		return bytes.Replace(b, []byte("/Root 1 0 R>>"), fmt.Appendf(nil, "/Root 1 0 R/Prev %d>>", xref), 1)
	}, pdfsign.ErrDamaged, "loop", 1 << 20, nil},
	{"predictor rows of 64 MiB", func() []byte {
		return xrefStreamPDF("/DecodeParms<</Predictor 12/Columns 1048576/Colors 32/BitsPerComponent 16>>")
	}, pdfsign.ErrDamaged, "", 1 << 20, nil},
	{"negative Length of the xref stream", func() []byte {
		return bytes.Replace(xrefStreamPDF(""), []byte("/Length 28"), []byte("/Length -28"), 1)
	}, pdfsign.ErrDamaged, "/Length", 1 << 20, nil},
	{"Length of the xref stream beyond the file", func() []byte {
		return bytes.Replace(xrefStreamPDF(""), []byte("/Length 28"), []byte("/Length 9223372036854775807"), 1)
	}, pdfsign.ErrDamaged, "/Length", 1 << 20, nil},
	{"Size beyond the object numbers", func() []byte {
		b := classicPDF("<</Type/Pages/Kids[3 0 R]/Count 1>>")
		return bytes.Replace(b, []byte("/Size 5"), []byte("/Size 9223372036854775807"), 1)
	}, pdfsign.ErrDamaged, "/Size", 1 << 20, pageReaders},
}

// classicPDF is a small PDF with a classic xref table whose page tree root
// (object 2) is pages; objects 3 and 4 are a page and its content, extra
// objects are 5, 6 and so on.
func classicPDF(pages string, extra ...string) []byte {
	var b bytes.Buffer
	var offs []int
	b.WriteString("%PDF-1.7\n")
	objs := append([]string{"<</Type/Catalog/Pages 2 0 R>>", pages, "<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>", "<</Length 0>>\nstream\n\nendstream"}, extra...)
	for i, o := range objs {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return b.Bytes()
}

// xrefStreamPDF is a small PDF with an uncompressed xref stream (W [1 4 2]
// for objects 0 to 3, 28 bytes) with extra in its dictionary.
func xrefStreamPDF(extra string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	var offs []int
	for i, o := range []string{"<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Kids[3 0 R]/Count 1>>", "<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>"} {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	rows := []byte{0, 0, 0, 0, 0, 0xff, 0xff}
	for _, o := range offs {
		rows = append(rows, 1, 0, 0, byte(o>>8), byte(o), 0, 0)
	}
	fmt.Fprintf(&b, "4 0 obj\n<</Type/XRef/Size 4/W[1 4 2]/Root 1 0 R/Length %d%s>>\nstream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", len(rows), extra, rows, xref)
	return b.Bytes()
}

// TestHostileDocuments reads each hostile document with every exported
// function that parses: each refuses it with a clear error, allocating
// little. On the base commit the first one crashes the test binary with a
// stack overflow, and the others allocate gigabytes or are accepted.
func TestHostileDocuments(t *testing.T) {
	// The documents the hostile ones are made from are fine.
	for _, b := range [][]byte{classicPDF("<</Type/Pages/Kids[3 0 R]/Count 1>>"), xrefStreamPDF("")} {
		if err := pdfsign.Check(bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatalf("Check(%q) = %v", b, err)
		}
	}
	for _, h := range hostileDocs {
		t.Run(h.name, func(t *testing.T) {
			b := h.data()
			for _, r := range readers {
				if h.by != nil && !slices.Contains(h.by, r.name) {
					continue
				}
				stop := memstat.StartHeap()
				err := r.read(b)
				_, total := stop()
				t.Logf("%s of %d bytes: %v; allocated %.1f MiB", r.name, len(b), err, mib(total))
				if !errors.Is(err, h.want) || !strings.Contains(err.Error(), h.text) {
					t.Errorf("%s = %v, want an error matching %v and saying %q", r.name, err, h.want, h.text)
				}
				if total > h.maxAlloc {
					t.Errorf("%s allocated %.1f MiB, want < %.1f MiB", r.name, mib(total), mib(h.maxAlloc))
				}
			}
		})
	}
}

// BenchmarkCheck reads real documents (classic, xref and object streams,
// with a front page and a signature), so that the limits' bookkeeping can
// be compared with the reader without it.
func BenchmarkCheck(b *testing.B) {
	dir := b.TempDir()
	docs := map[string][]byte{
		"classic":     testpdf.Read(b, testpdf.Classic(b, dir, 20)),
		"xref stream": testpdf.Read(b, testpdf.XRefStream(b, b.TempDir())),
	}
	var front, signed bytes.Buffer
	in := docs["xref stream"]
	if err := pdfsign.AddPage(context.Background(), &front, bytes.NewReader(in), int64(len(in)), pdfsign.Page{Title: "Forside"}); err != nil {
		b.Fatal(err)
	}
	if err := pdfsign.Sign(context.Background(), &signed, bytes.NewReader(front.Bytes()), int64(front.Len()), options("x"), newTestSigner(b).sign); err != nil {
		b.Fatal(err)
	}
	docs["signed"] = signed.Bytes()
	for _, name := range []string{"classic", "xref stream", "signed"} {
		doc := docs[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := pdfsign.Check(bytes.NewReader(doc), int64(len(doc))); err != nil {
					b.Fatal(err)
				}
				if _, err := pdfsign.Signatures(bytes.NewReader(doc), int64(len(doc))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
