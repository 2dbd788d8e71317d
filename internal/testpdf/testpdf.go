// Package testpdf makes PDFs for tests and checks signed ones with the
// independent tools: poppler's pdfsig and qpdf. A missing tool skips the
// test, or fails it under CI=true (see internal/testenv).
package testpdf

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"

	"github.com/svarsign/svarsign/internal/testenv"
)

// Marker is text on every page of Classic, so a test can find and flip it.
const Marker = "Hello from the original document"

// Classic writes dir/classic.pdf with a classic xref table, uncompressed.
func Classic(t testing.TB, dir string, pages int) string {
	t.Helper()
	doc := fpdf.New("P", "mm", "A4", "")
	doc.SetCompression(false)
	for i := range pages {
		doc.AddPage()
		doc.SetFont("Helvetica", "", 14)
		doc.Cell(40, 10, fmt.Sprintf("%s, page %d", Marker, i+1))
	}
	path := filepath.Join(dir, "classic.pdf")
	if err := doc.OutputFileAndClose(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// XRefStream writes dir/objstm.pdf, a PDF with an xref stream and object
// streams, by having qpdf rewrite a classic one.
func XRefStream(t testing.TB, dir string) string {
	t.Helper()
	NeedQPDF(t)
	in := Classic(t, dir, 2)
	out := filepath.Join(dir, "objstm.pdf")
	Run(t, "qpdf", "--object-streams=generate", in, out)
	b := Read(t, out)
	if !bytes.Contains(b, []byte("/ObjStm")) || !bytes.Contains(b, []byte("/XRef")) {
		t.Fatal("qpdf did not make object and xref streams")
	}
	return out
}

// Encrypted writes an AES-256 encrypted copy of in.
func Encrypted(t testing.TB, in string) string {
	t.Helper()
	NeedQPDF(t)
	out := strings.TrimSuffix(in, ".pdf") + "-encrypted.pdf"
	Run(t, "qpdf", "--encrypt", "user", "owner", "256", "--", in, out)
	return out
}

// Big writes a valid one-page PDF of about size bytes, nearly all of it an
// uncompressed greyscale image, streaming so the test itself stays small.
func Big(t testing.TB, path string, size int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	var offs []int64
	var n int64
	write := func(s string) {
		m, _ := w.WriteString(s)
		n += int64(m)
	}
	obj := func(s string) {
		offs = append(offs, n)
		write(fmt.Sprintf("%d 0 obj\n%s\nendobj\n", len(offs), s))
	}
	const width = 4096
	height := max(size/width, 1)
	write("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>")
	content := "q 495 0 0 742 50 50 cm /Im1 Do Q"
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	offs = append(offs, n)
	write(fmt.Sprintf("5 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n", width, height, width*height))
	row := bytes.Repeat([]byte{0x80}, width)
	for y := range height {
		for x := range row {
			row[x] = byte(x ^ int(y))
		}
		m, _ := w.Write(row)
		n += int64(m)
	}
	write("\nendstream\nendobj\n")
	xref := n
	write(fmt.Sprintf("xref\n0 %d\n0000000000 65535 f\r\n", len(offs)+1))
	for _, o := range offs {
		write(fmt.Sprintf("%010d 00000 n\r\n", o))
	}
	write(fmt.Sprintf("trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref))
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// NeedQPDF requires qpdf.
func NeedQPDF(t testing.TB) { testenv.NeedCommand(t, "qpdf", "apt-get install qpdf") }

// NeedPoppler requires one of poppler's tools (pdfsig, pdftotext).
func NeedPoppler(t testing.TB, cmd string) {
	testenv.NeedCommand(t, cmd, "apt-get install poppler-utils")
}

// Run runs a command and fails the test if it fails.
func Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Read reads a file or fails the test.
func Read(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Write writes a file or fails the test.
func Write(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// PdfsigValid returns how many signatures pdfsig calls valid and how many
// are ETSI.CAdES.detached, with pdfsig's output.
func PdfsigValid(t testing.TB, path string) (valid, cades int, out string) {
	t.Helper()
	NeedPoppler(t, "pdfsig")
	b, _ := exec.Command("pdfsig", path).CombinedOutput()
	out = string(b)
	return strings.Count(out, "Signature Validation: Signature is Valid."),
		strings.Count(out, "Signature Type: ETSI.CAdES.detached"), out
}

// CheckValid requires pdfsig to find want valid CAdES signatures and qpdf
// to find nothing wrong.
func CheckValid(t testing.TB, path string, want int) {
	t.Helper()
	valid, cades, out := PdfsigValid(t, path)
	if valid != want || cades != want {
		t.Fatalf("pdfsig: %d valid and %d ETSI.CAdES.detached signatures, want %d:\n%s", valid, cades, want, out)
	}
	if err := QPDFCheck(t, path); err != nil {
		t.Fatal(err)
	}
}

// QPDFCheck runs qpdf --check and returns an error unless it found no
// errors and no warnings.
func QPDFCheck(t testing.TB, path string) error {
	t.Helper()
	NeedQPDF(t)
	out, err := exec.Command("qpdf", "--check", path).CombinedOutput()
	const ok = "No syntax or stream encoding errors found"
	rest := strings.NewReplacer(ok, "", "errors that qpdf cannot detect", "").Replace(string(out))
	rest = strings.ToLower(rest)
	if err != nil || !strings.Contains(string(out), ok) || strings.Contains(rest, "warning") || strings.Contains(rest, "error") {
		return fmt.Errorf("qpdf --check %s: %v\n%s", path, err, out)
	}
	return nil
}
