package pdfsign_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/asn1"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/svarsign/svarsign/internal/memstat"
	"github.com/svarsign/svarsign/internal/testenv"
	"github.com/svarsign/svarsign/internal/testpdf"
	"github.com/svarsign/svarsign/server/pdfsign"
)

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
	orig, signed := testpdf.Read(t, in), testpdf.Read(t, out)
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

func signatures(t testing.TB, path string) []pdfsign.Signature {
	t.Helper()
	b := testpdf.Read(t, path)
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
			in := testpdf.Classic(t, dir, 2)
			if kind == "xref stream" {
				in = testpdf.XRefStream(t, dir)
			}
			s := newTestSigner(t)
			once := filepath.Join(dir, "signed1.pdf")
			signFile(t, s, in, once, options("Approved"))
			testpdf.CheckValid(t, once, 1)

			tail := testpdf.Read(t, once)[len(testpdf.Read(t, in)):]
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
			size := int64(len(testpdf.Read(t, once)))
			if !sig.CoversWholeFile(size) || sig.End() != size || sig.SubFilter != "ETSI.CAdES.detached" ||
				sig.Name != "Kari Nordmann" || sig.Reason != "Approved" ||
				!sig.Time.Equal(time.Date(2026, 3, 14, 14, 9, 26, 0, time.UTC)) {
				t.Errorf("signature = %+v", sig)
			}
			// Trimmed to exactly one DER value: nothing, not even the
			// zero padding of the placeholder, after it. (A last byte of 0
			// is fine: signature values end in 0 one time in 256.)
			var der asn1.RawValue
			if rest, err := asn1.Unmarshal(sig.Contents, &der); err != nil || len(rest) != 0 || sig.Contents[0] != 0x30 {
				t.Errorf("contents not trimmed to DER: %d bytes, %d after the value (%v)", len(sig.Contents), len(rest), err)
			}

			// A second signature keeps the first valid and adds a field.
			twice := filepath.Join(dir, "signed2.pdf")
			signFile(t, s, once, twice, options("Countersigned"))
			testpdf.CheckValid(t, twice, 2)
			sigs = signatures(t, twice)
			if len(sigs) != 2 {
				t.Fatalf("%d signatures, want 2", len(sigs))
			}
			size2 := int64(len(testpdf.Read(t, twice)))
			if sigs[0].CoversWholeFile(size2) || sigs[0].End() != size || sigs[0].Reason != "Approved" {
				t.Errorf("first signature = %+v, want revision end %d and not covering the file", sigs[0], size)
			}
			if !sigs[1].CoversWholeFile(size2) || sigs[1].Reason != "Countersigned" {
				t.Errorf("second signature = %+v", sigs[1])
			}
			fields := testpdf.Run(t, "pdfsig", twice)
			if !strings.Contains(fields, "Signature #1") || !strings.Contains(fields, "Signature #2") {
				t.Errorf("pdfsig does not list two fields:\n%s", fields)
			}
		})
	}
}

func TestSignReserve(t *testing.T) {
	dir := t.TempDir()
	b := testpdf.Read(t, testpdf.Classic(t, dir, 1))
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
	testpdf.NeedPoppler(t, "pdfsig")
	dir := t.TempDir()
	in := testpdf.Classic(t, dir, 1)
	signed := filepath.Join(dir, "signed.pdf")
	signFile(t, newTestSigner(t), in, signed, options("Tamper test"))
	good := testpdf.Read(t, signed)
	sig := signatures(t, signed)[0]
	want, err := pdfsign.Digest(bytes.NewReader(good), sig.ByteRange)
	if err != nil {
		t.Fatal(err)
	}
	origLen := len(testpdf.Read(t, in))
	for _, c := range []struct {
		name, find string
		after      int // search from here
	}{
		{"original text", testpdf.Marker, 0},
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
			testpdf.Write(t, path, bad)
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
	testpdf.NeedPoppler(t, "pdftotext")
	testpdf.NeedQPDF(t)
	for _, kind := range []string{"classic", "xref stream"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			in := testpdf.Classic(t, dir, 2)
			if kind == "xref stream" {
				in = testpdf.XRefStream(t, dir)
			}
			b := testpdf.Read(t, in)
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
			testpdf.Write(t, withPage, out.Bytes())
			if err := testpdf.QPDFCheck(t, withPage); err != nil {
				t.Fatal(err)
			}
			if n := strings.TrimSpace(testpdf.Run(t, "qpdf", "--show-npages", withPage)); n != "3" {
				t.Errorf("qpdf --show-npages = %s, want 3", n)
			}
			text := testpdf.Run(t, "pdftotext", "-enc", "UTF-8", "-f", "1", "-l", "1", withPage, "-")
			for _, want := range []string{"Signert dokument – æøå ÆØÅ", "Blåbærsyltetøy", "Kari Nordmann"} {
				if !strings.Contains(text, want) {
					t.Errorf("first page text lacks %q:\n%s", want, text)
				}
			}
			if second := testpdf.Run(t, "pdftotext", "-f", "2", "-l", "2", withPage, "-"); !strings.Contains(second, testpdf.Marker) {
				t.Errorf("second page is not the old first page:\n%s", second)
			}
			signed := filepath.Join(dir, "signed.pdf")
			signFile(t, newTestSigner(t), withPage, signed, options("Front page"))
			testpdf.CheckValid(t, signed, 1)
		})
	}
}

func TestAddPageTooLong(t *testing.T) {
	b := testpdf.Read(t, testpdf.Classic(t, t.TempDir(), 1))
	lines := make([]string, 100)
	err := pdfsign.AddPage(context.Background(), &bytes.Buffer{}, bytes.NewReader(b), int64(len(b)), pdfsign.Page{Title: "x", Lines: lines})
	if err == nil {
		t.Fatal("AddPage with 100 lines: no error")
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	in := testpdf.Classic(t, dir, 1)
	good := testpdf.Read(t, in)
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
		testpdf.Run(t, "qpdf", "--encrypt", "u", "o", "256", "--", in, enc)
		cases = append(cases, struct {
			name string
			data []byte
			want error
		}{"encrypted", testpdf.Read(t, enc), pdfsign.ErrEncrypted})
		cases = append(cases, struct {
			name string
			data []byte
			want error
		}{"xref stream", testpdf.Read(t, testpdf.XRefStream(t, dir)), nil})
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
	stop := memstat.StartHeap()
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
	testpdf.Big(t, in, 50<<20)
	out := filepath.Join(dir, "big-signed.pdf")
	peak, total := signMeasured(t, newTestSigner(t), in, out)
	t.Logf("signing a 50 MiB PDF: peak heap growth %.1f MiB, allocated %.1f MiB", mib(peak), mib(total))
	const limit = 24 << 20
	if peak > limit || total > limit {
		t.Errorf("signing a 50 MiB PDF grew the heap by %.1f MiB (allocated %.1f MiB), want < 24 MiB", mib(peak), mib(total))
	}
	if _, err := exec.LookPath("pdfsig"); err == nil {
		testpdf.CheckValid(t, out, 1)
	}
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

func BenchmarkSign(b *testing.B) {
	s := newTestSigner(b)
	for _, size := range []int64{1, 10, 50} {
		b.Run(strconv.FormatInt(size, 10)+"MiB", func(b *testing.B) {
			dir := b.TempDir()
			in := filepath.Join(dir, "in.pdf")
			testpdf.Big(b, in, size<<20)
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
	b := testpdf.Read(t, testpdf.Classic(t, t.TempDir(), 1))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := pdfsign.Sign(ctx, &bytes.Buffer{}, bytes.NewReader(b), int64(len(b)), options("x"), newTestSigner(t).sign)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Sign with a canceled context = %v", err)
	}
}
