package local_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svarsign/svarsign/internal/memstat"
	"github.com/svarsign/svarsign/internal/testpdf"
	"github.com/svarsign/svarsign/server/pdfsign"
	"github.com/svarsign/svarsign/server/provider"
	"github.com/svarsign/svarsign/server/provider/local"
	"github.com/svarsign/svarsign/server/verify"
)

var kari = provider.Signer{
	Name: "Kari Nordmann", NationalID: "14038510070", Level: 4,
	Method: "ID-porten (simulert)", IP: "127.0.0.1", UserAgent: "test",
}

func open(t testing.TB) *local.Provider {
	t.Helper()
	p, err := local.Open(local.Config{Dir: filepath.Join(t.TempDir(), "ca"), OrgName: "Eksempel kommune", TmpDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sign signs in for kari into out and returns the evidence.
func sign(t testing.TB, p *local.Provider, in, out string, typ provider.SignatureType) *provider.Evidence {
	t.Helper()
	src, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	fi, _ := src.Stat()
	dst, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(dst)
	ev, err := p.Sign(context.Background(), w, provider.Request{
		JobID: "job-1", Document: src, Size: fi.Size(), FileName: filepath.Base(in),
		Title: "Leiekontrakt", Sender: "Eksempel kommune", Type: typ, Signer: kari,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return ev
}

func verifyFile(t testing.TB, p *local.Provider, path string) *verify.Report {
	t.Helper()
	b := testpdf.Read(t, path)
	rep, err := verify.File(bytes.NewReader(b), int64(len(b)), p.Authority().Pool())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// verifies reports whether svarsign verify accepts the file; a file it
// cannot even read as a signed PDF does not verify.
func verifies(t testing.TB, p *local.Provider, path string) bool {
	t.Helper()
	b := testpdf.Read(t, path)
	rep, err := verify.File(bytes.NewReader(b), int64(len(b)), p.Authority().Pool())
	return err == nil && rep.OK()
}

func hexSHA(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func pages(t testing.TB, path string) string {
	return strings.TrimSpace(testpdf.Run(t, "qpdf", "--show-npages", path))
}

// TestSign signs real PDFs — classic xref, xref stream, and one already
// signed — with both signature types and checks the result with pdfsig,
// qpdf and our own verifier.
func TestSign(t *testing.T) {
	testpdf.NeedQPDF(t)
	p := open(t)
	for _, typ := range []provider.SignatureType{provider.Authenticated, provider.Advanced} {
		for _, kind := range []string{"classic", "xref stream", "signed once"} {
			t.Run(string(typ)+"/"+kind, func(t *testing.T) {
				dir := t.TempDir()
				in := testpdf.Classic(t, dir, 2)
				want := 1
				switch kind {
				case "xref stream":
					in = testpdf.XRefStream(t, dir)
				case "signed once":
					once := filepath.Join(dir, "once.pdf")
					sign(t, p, in, once, typ)
					in, want = once, 2
				}
				out := filepath.Join(dir, "signed.pdf")
				ev := sign(t, p, in, out, typ)

				orig, signed := testpdf.Read(t, in), testpdf.Read(t, out)
				if !bytes.HasPrefix(signed, orig) {
					t.Fatal("the original bytes were changed")
				}
				testpdf.CheckValid(t, out, want)
				rep := verifyFile(t, p, out)
				if !rep.OK() || len(rep.Signatures) != want {
					var buf bytes.Buffer
					rep.Write(&buf, out)
					t.Fatalf("svarsign verify:\n%s", buf.String())
				}
				last := rep.Signatures[len(rep.Signatures)-1]
				if last.Name != kari.Name || last.TimeStamp.IsZero() {
					t.Errorf("last signature name %q time stamp %v", last.Name, last.TimeStamp)
				}
				if typ == provider.Advanced && !strings.Contains(last.Signer.Subject.String(), kari.Name) {
					t.Errorf("advanced signature certificate %q is not issued to the signer", last.Signer.Subject)
				}
				if typ == provider.Authenticated && strings.Contains(last.Signer.Subject.String(), kari.Name) {
					t.Errorf("authenticated signature should be the service's seal, got %q", last.Signer.Subject)
				}
				if got, before := pages(t, out), pages(t, in); kind != "signed once" && got == before {
					t.Errorf("front page not added: %s pages before and after", got)
				} else if kind == "signed once" && got != before {
					t.Errorf("a page was added to a signed document (%s pages before, %s after): the first signature no longer verifies", before, got)
				}
				testpdf.NeedPoppler(t, "pdftotext")
				front := testpdf.Run(t, "pdftotext", "-f", "1", "-l", "1", out, "-")
				for _, s := range []string{"Signert dokument", kari.Name, hexSHA(orig), "nivå 4"} {
					if kind == "signed once" && s == hexSHA(orig) {
						continue // the front page is the first signing's
					}
					if !strings.Contains(front, s) {
						t.Errorf("front page lacks %q:\n%s", s, front)
					}
				}
				if ev.OriginalSHA256 != hexSHA(orig) || ev.SignedSHA256 != hexSHA(signed) || ev.SignedSize != int64(len(signed)) {
					t.Errorf("evidence hashes/size do not match the files: %+v", ev)
				}
				if ev.Signer != kari || ev.JobID != "job-1" || ev.TimeStampedAt.IsZero() || ev.SignatureType != typ {
					t.Errorf("evidence = %+v", ev)
				}
			})
		}
	}
}

// TestTamper flips one byte at many places inside the signed ranges: pdfsig
// and svarsign verify must both reject every one. qpdf --check only checks
// structure, so it is asserted to fail where the flip breaks structure (an
// xref offset) and not claimed elsewhere.
func TestTamper(t *testing.T) {
	testpdf.NeedQPDF(t)
	p := open(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "signed.pdf")
	sign(t, p, testpdf.Classic(t, dir, 1), out, provider.Advanced)
	signed := testpdf.Read(t, out)
	sigs, err := pdfsign.Signatures(bytes.NewReader(signed), int64(len(signed)))
	if err != nil || len(sigs) != 1 {
		t.Fatalf("signatures: %v, %v", sigs, err)
	}
	br := sigs[0].ByteRange
	var positions []int64
	for i := range int64(8) {
		positions = append(positions, br[0]+1+i*(br[1]-2)/8, br[2]+1+i*(br[3]-2)/8)
	}
	for _, pos := range positions {
		bad := bytes.Clone(signed)
		bad[pos] ^= 0x01
		path := filepath.Join(dir, fmt.Sprintf("flip-%d.pdf", pos))
		testpdf.Write(t, path, bad)
		if valid, _, out := testpdf.PdfsigValid(t, path); valid != 0 {
			t.Errorf("byte %d flipped: pdfsig still says valid:\n%s", pos, out)
		}
		if verifies(t, p, path) {
			t.Errorf("byte %d flipped: svarsign verify still says OK", pos)
		}
	}
	// Structure: corrupt the first in-use offset of the original xref table.
	xref := bytes.LastIndex(signed[:br[1]], []byte("\nxref\n"))
	entry := bytes.Index(signed[xref:], []byte(" 00000 n")) + xref - 10
	bad := bytes.Clone(signed)
	bad[entry+9] = '9'
	if bad[entry+9] == signed[entry+9] {
		bad[entry+9] = '8'
	}
	path := filepath.Join(dir, "flip-xref.pdf")
	testpdf.Write(t, path, bad)
	if testpdf.QPDFCheck(t, path) == nil {
		t.Error("xref offset corrupted: qpdf --check found nothing")
	}
	if valid, _, _ := testpdf.PdfsigValid(t, path); valid != 0 {
		t.Error("xref offset corrupted: pdfsig still says valid")
	}
	if verifies(t, p, path) {
		t.Error("xref offset corrupted: svarsign verify still says OK")
	}
}

// TestWrongRoot: a signature from another CA does not verify.
func TestWrongRoot(t *testing.T) {
	p, other := open(t), open(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "signed.pdf")
	sign(t, p, testpdf.Classic(t, dir, 1), out, provider.Authenticated)
	if !verifies(t, p, out) {
		t.Fatal("does not verify with its own root")
	}
	if verifies(t, other, out) {
		t.Fatal("verified with another CA's root")
	}
}

// BenchmarkSign signs generated PDFs of 1, 10 and 50 MiB with the local
// provider (front page, CAdES, time stamp) and reports peak heap growth.
func BenchmarkSign(b *testing.B) {
	p := open(b)
	for _, mib := range []int64{1, 10, 50} {
		b.Run(fmt.Sprintf("%dMiB", mib), func(b *testing.B) {
			dir := b.TempDir()
			in := filepath.Join(dir, "in.pdf")
			testpdf.Big(b, in, mib<<20)
			fi, _ := os.Stat(in)
			b.SetBytes(fi.Size())
			var peak uint64
			for b.Loop() {
				stop := memstat.StartHeap()
				sign(b, p, in, filepath.Join(dir, "out.pdf"), provider.Advanced)
				h, _ := stop()
				peak = max(peak, h)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}
