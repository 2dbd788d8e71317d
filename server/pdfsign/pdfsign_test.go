package pdfsign_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/svarsign/svarsign/internal/testenv"
	"github.com/svarsign/svarsign/server/pdfsign"
)

const marker = "Hello from the original document"

// classicPDF writes a PDF with a classic xref table, uncompressed so a test
// can find and flip a byte of its text.
func classicPDF(t testing.TB, dir string, pages int) string {
	t.Helper()
	doc := fpdf.New("P", "mm", "A4", "")
	doc.SetCompression(false)
	for i := range pages {
		doc.AddPage()
		doc.SetFont("Helvetica", "", 14)
		doc.Cell(40, 10, fmt.Sprintf("%s, page %d", marker, i+1))
	}
	path := filepath.Join(dir, "classic.pdf")
	if err := doc.OutputFileAndClose(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// xrefStreamPDF rewrites a classic PDF with an xref stream and object
// streams.
func xrefStreamPDF(t testing.TB, dir string) string {
	t.Helper()
	needQPDF(t)
	in := classicPDF(t, dir, 2)
	out := filepath.Join(dir, "objstm.pdf")
	run(t, "qpdf", "--object-streams=generate", in, out)
	b := readFile(t, out)
	if !bytes.Contains(b, []byte("/ObjStm")) || !bytes.Contains(b, []byte("/XRef")) {
		t.Fatal("qpdf did not make object and xref streams")
	}
	return out
}

func needQPDF(t testing.TB) { testenv.NeedCommand(t, "qpdf", "apt-get install qpdf") }
func needPoppler(t testing.TB, cmd string) {
	testenv.NeedCommand(t, cmd, "apt-get install poppler-utils")
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// signFile signs in into out through the public API, reading in as a file.
func signFile(t testing.TB, s *testSigner, in, out string, opts pdfsign.Options) {
	t.Helper()
	src, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		t.Fatal(err)
	}
	dst, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(dst)
	if err := pdfsign.Sign(context.Background(), w, src, fi.Size(), opts, s.sign); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	// The original bytes come first, unchanged.
	orig, signed := readFile(t, in), readFile(t, out)
	if !bytes.HasPrefix(signed, orig) {
		t.Fatal("signed file does not start with the original bytes")
	}
}

func options(reason string) pdfsign.Options {
	return pdfsign.Options{
		Name:     "Kari Nordmann",
		Reason:   reason,
		Location: "Tromsø",
		Time:     time.Date(2026, 3, 14, 15, 9, 26, 0, time.FixedZone("CET", 3600)),
	}
}

// checkValid requires pdfsig to find want valid CAdES signatures and qpdf
// to find nothing wrong.
func checkValid(t testing.TB, path string, want int) {
	t.Helper()
	needPoppler(t, "pdfsig")
	needQPDF(t)
	out, _ := exec.Command("pdfsig", path).CombinedOutput()
	if got := strings.Count(string(out), "Signature Validation: Signature is Valid."); got != want {
		t.Fatalf("pdfsig: %d valid signatures, want %d:\n%s", got, want, out)
	}
	if got := strings.Count(string(out), "Signature Type: ETSI.CAdES.detached"); got != want {
		t.Fatalf("pdfsig: %d ETSI.CAdES.detached signatures, want %d:\n%s", got, want, out)
	}
	qpdfCheck(t, path)
}

func qpdfCheck(t testing.TB, path string) {
	t.Helper()
	needQPDF(t)
	out, err := exec.Command("qpdf", "--check", path).CombinedOutput()
	const ok = "No syntax or stream encoding errors found"
	rest := strings.NewReplacer(ok, "", "errors that qpdf cannot detect", "").Replace(string(out))
	rest = strings.ToLower(rest)
	if err != nil || !strings.Contains(string(out), ok) || strings.Contains(rest, "warning") || strings.Contains(rest, "error") {
		t.Fatalf("qpdf --check %s: %v\n%s", path, err, out)
	}
}

func signatures(t testing.TB, path string) []pdfsign.Signature {
	t.Helper()
	b := readFile(t, path)
	sigs, err := pdfsign.Signatures(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return sigs
}

func TestSign(t *testing.T) {
	for _, kind := range []string{"classic", "xref stream"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			in := classicPDF(t, dir, 2)
			if kind == "xref stream" {
				in = xrefStreamPDF(t, dir)
			}
			s := newTestSigner(t)
			once := filepath.Join(dir, "signed1.pdf")
			signFile(t, s, in, once, options("Approved"))
			checkValid(t, once, 1)

			tail := readFile(t, once)[len(readFile(t, in)):]
			if kind == "xref stream" {
				if bytes.Contains(tail, []byte("\nxref\n")) || !bytes.Contains(tail, []byte("/Type /XRef")) {
					t.Errorf("update after an xref stream should end with an xref stream:\n%s", tail[len(tail)-300:])
				}
			} else if !bytes.Contains(tail, []byte("\nxref\n")) {
				t.Error("update after a classic table should end with a classic table")
			}

			sigs := signatures(t, once)
			if len(sigs) != 1 {
				t.Fatalf("%d signatures, want 1", len(sigs))
			}
			sig := sigs[0]
			size := int64(len(readFile(t, once)))
			if !sig.CoversWholeFile || sig.RevisionEnd != size || sig.SubFilter != "ETSI.CAdES.detached" ||
				sig.Name != "Kari Nordmann" || sig.Reason != "Approved" ||
				!sig.Time.Equal(time.Date(2026, 3, 14, 14, 9, 26, 0, time.UTC)) {
				t.Errorf("signature = %+v", sig)
			}
			if sig.Contents[0] != 0x30 || sig.Contents[len(sig.Contents)-1] == 0 && len(sig.Contents) > 200 {
				t.Errorf("contents not trimmed to DER: %d bytes", len(sig.Contents))
			}

			// A second signature keeps the first valid and adds a field.
			twice := filepath.Join(dir, "signed2.pdf")
			signFile(t, s, once, twice, options("Countersigned"))
			checkValid(t, twice, 2)
			sigs = signatures(t, twice)
			if len(sigs) != 2 {
				t.Fatalf("%d signatures, want 2", len(sigs))
			}
			if sigs[0].CoversWholeFile || sigs[0].RevisionEnd != size || sigs[0].Reason != "Approved" {
				t.Errorf("first signature = %+v, want revision end %d and not covering the file", sigs[0], size)
			}
			if !sigs[1].CoversWholeFile || sigs[1].Reason != "Countersigned" {
				t.Errorf("second signature = %+v", sigs[1])
			}
			fields := run(t, "pdfsig", twice)
			if !strings.Contains(fields, "Signature #1") || !strings.Contains(fields, "Signature #2") {
				t.Errorf("pdfsig does not list two fields:\n%s", fields)
			}
		})
	}
}

func TestSignReserve(t *testing.T) {
	dir := t.TempDir()
	b := readFile(t, classicPDF(t, dir, 1))
	s := newTestSigner(t)
	opts := options("x")
	opts.Reserve = 64
	err := pdfsign.Sign(context.Background(), &bytes.Buffer{}, bytes.NewReader(b), int64(len(b)), opts, s.sign)
	if err == nil || !strings.Contains(err.Error(), "does not fit") {
		t.Fatalf("Sign with a tiny reserve: %v, want a does-not-fit error", err)
	}
	failing := func(context.Context, []byte) ([]byte, error) { return nil, errors.New("HSM down") }
	if err := pdfsign.Sign(context.Background(), &bytes.Buffer{}, bytes.NewReader(b), int64(len(b)), options("x"), failing); err == nil || !strings.Contains(err.Error(), "HSM down") {
		t.Fatalf("Sign with a failing signer: %v", err)
	}
}

func TestTamper(t *testing.T) {
	needPoppler(t, "pdfsig")
	dir := t.TempDir()
	in := classicPDF(t, dir, 1)
	signed := filepath.Join(dir, "signed.pdf")
	signFile(t, newTestSigner(t), in, signed, options("Tamper test"))
	good := readFile(t, signed)
	sig := signatures(t, signed)[0]
	want, err := pdfsign.Digest(bytes.NewReader(good), sig.ByteRange)
	if err != nil {
		t.Fatal(err)
	}
	origLen := len(readFile(t, in))
	for _, c := range []struct {
		name, find string
		after      int // search from here
	}{
		{"original text", marker, 0},
		{"original header comment", "%PDF-1.", 0},
		{"signature reason", "Tamper test", origLen},
		{"field name", "Signature1", origLen},
		{"signing time", "D:2026", origLen},
	} {
		t.Run(c.name, func(t *testing.T) {
			i := bytes.Index(good[c.after:], []byte(c.find))
			if i < 0 {
				t.Fatalf("%q not found", c.find)
			}
			pos := c.after + i + len(c.find) - 2
			bad := bytes.Clone(good)
			bad[pos] ^= 0x01
			path := filepath.Join(t.TempDir(), "bad.pdf")
			writeFile(t, path, bad)
			out, _ := exec.Command("pdfsig", path).CombinedOutput()
			if strings.Contains(string(out), "Signature is Valid") || !strings.Contains(string(out), "Signature #1") {
				t.Errorf("byte %d flipped, pdfsig still says valid (or lists nothing):\n%s", pos, out)
			}
			got, err := pdfsign.Digest(bytes.NewReader(bad), sig.ByteRange)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(got, want) {
				t.Errorf("byte %d flipped, digest unchanged", pos)
			}
		})
	}
}

func TestAddPageThenSign(t *testing.T) {
	needPoppler(t, "pdftotext")
	needQPDF(t)
	for _, kind := range []string{"classic", "xref stream"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			in := classicPDF(t, dir, 2)
			if kind == "xref stream" {
				in = xrefStreamPDF(t, dir)
			}
			b := readFile(t, in)
			var out bytes.Buffer
			page := pdfsign.Page{
				Title: "Signert dokument – æøå ÆØÅ",
				Lines: []string{"Signert av: Kari Nordmann", "Blåbærsyltetøy er godt.", "", strings.Repeat("lang linje ", 30)},
			}
			if err := pdfsign.AddPage(context.Background(), &out, bytes.NewReader(b), int64(len(b)), page); err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(out.Bytes(), b) {
				t.Fatal("AddPage changed the original bytes")
			}
			withPage := filepath.Join(dir, "front.pdf")
			writeFile(t, withPage, out.Bytes())
			qpdfCheck(t, withPage)
			if n := strings.TrimSpace(run(t, "qpdf", "--show-npages", withPage)); n != "3" {
				t.Errorf("qpdf --show-npages = %s, want 3", n)
			}
			text := run(t, "pdftotext", "-enc", "UTF-8", "-f", "1", "-l", "1", withPage, "-")
			for _, want := range []string{"Signert dokument – æøå ÆØÅ", "Blåbærsyltetøy", "Kari Nordmann"} {
				if !strings.Contains(text, want) {
					t.Errorf("first page text lacks %q:\n%s", want, text)
				}
			}
			if second := run(t, "pdftotext", "-f", "2", "-l", "2", withPage, "-"); !strings.Contains(second, marker) {
				t.Errorf("second page is not the old first page:\n%s", second)
			}
			signed := filepath.Join(dir, "signed.pdf")
			signFile(t, newTestSigner(t), withPage, signed, options("Front page"))
			checkValid(t, signed, 1)
		})
	}
}

func TestAddPageTooLong(t *testing.T) {
	b := readFile(t, classicPDF(t, t.TempDir(), 1))
	lines := make([]string, 100)
	err := pdfsign.AddPage(context.Background(), &bytes.Buffer{}, bytes.NewReader(b), int64(len(b)), pdfsign.Page{Title: "x", Lines: lines})
	if err == nil {
		t.Fatal("AddPage with 100 lines: no error")
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	in := classicPDF(t, dir, 1)
	good := readFile(t, in)
	if err := pdfsign.Check(bytes.NewReader(good), int64(len(good))); err != nil {
		t.Fatalf("Check(good) = %v", err)
	}
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"garbage", []byte("this is not a PDF at all, just some text\n"), pdfsign.ErrNotPDF},
		{"empty", nil, pdfsign.ErrNotPDF},
		{"truncated half", good[:len(good)/2], pdfsign.ErrDamaged},
		{"truncated tail", good[:len(good)-8], pdfsign.ErrDamaged},
		{"bad startxref", bytes.Replace(good, []byte("startxref\n"), []byte("startxref\n1"), 1), pdfsign.ErrDamaged},
	}
	if _, err := exec.LookPath("qpdf"); err == nil || testenv.InCI() {
		enc := filepath.Join(dir, "enc.pdf")
		run(t, "qpdf", "--encrypt", "u", "o", "256", "--", in, enc)
		cases = append(cases, struct {
			name string
			data []byte
			want error
		}{"encrypted", readFile(t, enc), pdfsign.ErrEncrypted})
		cases = append(cases, struct {
			name string
			data []byte
			want error
		}{"xref stream", readFile(t, xrefStreamPDF(t, dir)), nil})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := pdfsign.Check(bytes.NewReader(c.data), int64(len(c.data)))
			if !errors.Is(err, c.want) || (c.want != nil && !strings.Contains(err.Error(), c.want.Error())) {
				t.Fatalf("Check = %v, want %v", err, c.want)
			}
			if c.want == nil {
				return
			}
			t.Logf("Check: %v", err)
			err = pdfsign.Sign(context.Background(), &bytes.Buffer{}, bytes.NewReader(c.data), int64(len(c.data)), options("x"), newTestSigner(t).sign)
			if !errors.Is(err, c.want) {
				t.Fatalf("Sign = %v, want %v", err, c.want)
			}
		})
	}
}

func TestDigestErrors(t *testing.T) {
	r := bytes.NewReader(make([]byte, 100))
	if _, err := pdfsign.Digest(r, [4]int64{0, 50, 40, 10}); err == nil {
		t.Error("overlapping ranges accepted")
	}
	if _, err := pdfsign.Digest(r, [4]int64{0, 50, 60, 100}); err == nil {
		t.Error("range beyond the end accepted")
	}
}

// bigPDF writes a valid one-page PDF of about size bytes, nearly all of it
// an uncompressed greyscale image, streaming so the test itself stays small.
func bigPDF(t testing.TB, path string, size int64) {
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

// signMeasured signs path to a temporary file and returns the peak growth
// of live heap during Sign, sampled, and the bytes allocated in total (an
// upper bound of the peak).
func signMeasured(t testing.TB, s *testSigner, path, out string) (peak, total uint64) {
	t.Helper()
	src, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		t.Fatal(err)
	}
	dst, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	stop := startHeapSampler()
	err = pdfsign.Sign(context.Background(), dst, src, fi.Size(), options("big"), s.sign)
	peak, total = stop()
	if err != nil {
		t.Fatal(err)
	}
	return peak, total
}

func TestSignLargeFileMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 50 MiB file")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "big.pdf")
	bigPDF(t, in, 50<<20)
	out := filepath.Join(dir, "big-signed.pdf")
	peak, total := signMeasured(t, newTestSigner(t), in, out)
	t.Logf("signing a 50 MiB PDF: peak heap growth %.1f MiB, allocated %.1f MiB", mib(peak), mib(total))
	const limit = 24 << 20
	if peak > limit || total > limit {
		t.Errorf("signing a 50 MiB PDF grew the heap by %.1f MiB (allocated %.1f MiB), want < 24 MiB", mib(peak), mib(total))
	}
	if _, err := exec.LookPath("pdfsig"); err == nil {
		checkValid(t, out, 1)
	}
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

func BenchmarkSign(b *testing.B) {
	s := newTestSigner(b)
	for _, size := range []int64{1, 10, 50} {
		b.Run(strconv.FormatInt(size, 10)+"MiB", func(b *testing.B) {
			dir := b.TempDir()
			in := filepath.Join(dir, "in.pdf")
			bigPDF(b, in, size<<20)
			b.SetBytes(size << 20)
			var peak uint64
			b.ResetTimer()
			for range b.N {
				p, _ := signMeasured(b, s, in, filepath.Join(dir, "out.pdf"))
				peak = max(peak, p)
			}
			b.ReportMetric(mib(peak), "peak-heap-MiB")
		})
	}
}

func TestSignCanceled(t *testing.T) {
	b := readFile(t, classicPDF(t, t.TempDir(), 1))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := pdfsign.Sign(ctx, &bytes.Buffer{}, bytes.NewReader(b), int64(len(b)), options("x"), newTestSigner(t).sign)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Sign with a canceled context = %v", err)
	}
}
