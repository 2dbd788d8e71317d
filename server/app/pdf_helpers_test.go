package app_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/go-pdf/fpdf"

	"github.com/svarsign/svarsign/internal/testenv"
)

// makePDF returns a real one-page PDF holding text, as a case system would
// produce a contract.
func makePDF(t testing.TB, text string) []byte {
	t.Helper()
	doc := fpdf.New("P", "mm", "A4", "")
	doc.SetCompression(false)
	doc.AddPage()
	doc.SetFont("Helvetica", "", 14)
	doc.Cell(40, 10, text)
	var buf bytes.Buffer
	if err := doc.Output(&buf); err != nil {
		t.Fatalf("making PDF: %v", err)
	}
	return buf.Bytes()
}

// encryptedPDF returns a real PDF encrypted with AES-256 by qpdf (user
// password "u"); without qpdf the test is skipped, or fails under CI=true.
func encryptedPDF(t testing.TB) []byte {
	t.Helper()
	testenv.NeedCommand(t, "qpdf", "apt-get install qpdf")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, makePDF(t, "Hemmelig kontrakt"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("qpdf", "--encrypt", "u", "o", "256", "--", in, out).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --encrypt: %v: %s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("/Encrypt")) {
		t.Fatalf("qpdf output has no /Encrypt dictionary")
	}
	return b
}

// truncatedPDF is a real PDF cut off after 60% of its bytes, as an
// interrupted transfer leaves it: it starts like a PDF but has no end.
func truncatedPDF(t testing.TB) []byte {
	t.Helper()
	b := makePDF(t, "Avbrutt kontrakt")
	return b[:len(b)*6/10]
}
