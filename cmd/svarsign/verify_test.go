package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/svarsign/svarsign/internal/testpdf"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/pki"
	"github.com/svarsign/svarsign/server/provider"
	"github.com/svarsign/svarsign/server/provider/local"
	vt "github.com/svarsign/svarsign/server/verify/verifytest"
)

// TestVerifyCommand runs `svarsign verify` on a document signed by the
// local provider of a data folder: OK and exit 0; with one byte flipped,
// FAILED and a non-zero exit; with another root, FAILED.
func TestVerifyCommand(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	p, err := local.Open(local.Config{Dir: filepath.Join(data, app.CADir), OrgName: "Eksempel kommune", TmpDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := testpdf.Classic(t, dir, 1)
	src, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := src.Stat()
	var signed bytes.Buffer
	_, err = p.Sign(context.Background(), &signed, provider.Request{
		JobID: "j", Document: src, Size: fi.Size(), FileName: "kontrakt.pdf", Type: provider.Advanced,
		Signer: provider.Signer{Name: "Kari Nordmann", NationalID: "14038510070", Level: 3, Method: "test"},
	})
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "signed.pdf")
	testpdf.Write(t, good, signed.Bytes())
	bad := filepath.Join(dir, "flipped.pdf")
	flipped := bytes.Clone(signed.Bytes())
	flipped[len(flipped)-200] ^= 1 // in the appended objects, inside the signed range
	testpdf.Write(t, bad, flipped)
	otherCA := t.TempDir()
	if _, err := pki.LoadOrCreate(otherCA, "Annen", time.Now); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		args []string
		ok   bool
		want string
	}{
		{"signed, local CA of --data", []string{"verify", "--data", data, good}, true, "OK: all 1 signature(s) valid"},
		{"signed, --trust", []string{"verify", "--trust", filepath.Join(data, app.CADir, pki.RootCertFile), good}, true, "valid (range covers the whole file"},
		{"byte flipped", []string{"verify", "--data", data, bad}, false, "FAILED"},
		{"another CA", []string{"verify", "--trust", filepath.Join(otherCA, pki.RootCertFile), good}, false, "INVALID"},
		{"unsigned", []string{"verify", "--data", data, in}, false, "no signatures"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tc.args, &out, &errOut)
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v\n%s%s", err, tc.ok, out.String(), errOut.String())
			}
			if !tc.ok && err != nil && !errors.Is(err, errVerifyFailed) && !strings.Contains(err.Error(), "pdfsign") {
				t.Fatalf("err = %v, want a verification failure", err)
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Fatalf("output lacks %q:\n%s", tc.want, out.String())
			}
		})
	}
}

// verifyOut runs `svarsign verify --trust root FILE` on b and returns its
// output and error.
func verifyOut(t *testing.T, s *vt.Signer, b []byte) (string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doc.pdf")
	testpdf.Write(t, path, b)
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"verify", "--trust", filepath.Join(s.Dir, pki.RootCertFile), path}, &out, &errOut)
	return out.String() + errOut.String(), err
}

// signatureBlock returns the part of a verify report about signature n.
func signatureBlock(out string, n int) string {
	_, rest, _ := strings.Cut(out, fmt.Sprintf("Signature %d of", n))
	block, _, _ := strings.Cut(rest, "\nSignature ")
	return block
}

// TestVerifySignatureWrapping is issue item 3: the first signed range
// kept, the second moved to the new end of the file, and a new revision in
// the gap with a new signature dictionary (/ByteRange [0 a NEW c], the
// original CMS) and new page content. verify said "valid (range covers the
// whole file…)"; the gap is not this dictionary's /Contents, so it fails.
func TestVerifySignatureWrapping(t *testing.T) {
	t.Parallel()
	s := vt.NewSigner(t)
	signed := s.Sign(t, testpdf.Read(t, testpdf.Classic(t, t.TempDir(), 1)))
	content := signed.Find(regexp.QuoteMeta(testpdf.Marker))[0]
	forged := vt.Wrap(t, signed, content, vt.ForgedContent(signed))

	if _, err := exec.LookPath("pdftotext"); err == nil {
		path := filepath.Join(t.TempDir(), "forged.pdf")
		testpdf.Write(t, path, forged)
		if text := testpdf.Run(t, "pdftotext", path, "-"); !strings.Contains(text, vt.ForgedText) || strings.Contains(text, testpdf.Marker) {
			t.Fatalf("the forgery does not read as forged:\n%s", text)
		}
	}
	out, err := verifyOut(t, s, forged)
	if !errors.Is(err, errVerifyFailed) {
		t.Fatalf("verify of the wrapped signature: err = %v, want a failure\n%s", err, out)
	}
	if !strings.Contains(out, "INVALID") || !strings.Contains(out, "does not leave out exactly this dictionary's /Contents") {
		t.Fatalf("verify does not say why:\n%s", out)
	}
}

// TestVerifyChangeBetweenSignatures is issue item 4: after signature 1, a
// revision replaces the page content; then the service signs the file
// again. verify must fail signature 1 naming the change, keep signature 2
// valid, and pdfsig says "Not total document signed" for signature 1.
func TestVerifyChangeBetweenSignatures(t *testing.T) {
	t.Parallel()
	s := vt.NewSigner(t)
	signed := s.Sign(t, testpdf.Read(t, testpdf.Classic(t, t.TempDir(), 1)))
	content := signed.Find(regexp.QuoteMeta(testpdf.Marker))[0]
	twice := s.Sign(t, vt.ReplaceContent(signed, content, vt.ForgedContent(signed)))

	out, err := verifyOut(t, s, twice)
	if !errors.Is(err, errVerifyFailed) {
		t.Fatalf("err = %v, want a failure\n%s", err, out)
	}
	first, second := signatureBlock(out, 1), signatureBlock(out, 2)
	want := fmt.Sprintf("INVALID: revision 4, after this signature: object %d (content stream of page 2) replaced: stream data changed", content)
	if !strings.Contains(first, want) {
		t.Errorf("signature 1 does not fail with %q:\n%s", want, out)
	}
	if !strings.Contains(second, "result:      valid") {
		t.Errorf("signature 2 should stay valid:\n%s", out)
	}

	testpdf.NeedPoppler(t, "pdfsig")
	path := filepath.Join(t.TempDir(), "twice.pdf")
	testpdf.Write(t, path, twice)
	b, _ := exec.Command("pdfsig", path).CombinedOutput()
	pdfsig := string(b)
	block1, _, _ := strings.Cut(pdfsig[strings.Index(pdfsig, "Signature #1"):], "Signature #2")
	if !strings.Contains(block1, "Not total document signed") {
		t.Errorf("pdfsig does not say \"Not total document signed\" for signature 1:\n%s", pdfsig)
	}
	t.Logf("pdfsig on signature 1 (it only warns):\n%s", block1)
}

// TestVerifyUnsuitableCertificate is issue item 5, first part: a
// signature by a certificate with only the timeStamping extended key usage
// (the local CA's own TSA certificate) must not verify.
func TestVerifyUnsuitableCertificate(t *testing.T) {
	t.Parallel()
	s := vt.NewSigner(t)
	byTSA := s.SignAs(t, testpdf.Read(t, testpdf.Classic(t, t.TempDir(), 1)), s.P.Authority().TSA)
	out, err := verifyOut(t, s, byTSA)
	if !errors.Is(err, errVerifyFailed) || !strings.Contains(out, "extended key usage is unsuitable for signing documents (timeStamping)") {
		t.Fatalf("err = %v, want the timeStamping certificate refused\n%s", err, out)
	}
	// The seal and signer certificates the CA issues still verify.
	for _, id := range []pki.Identity{s.P.Authority().Seal, s.Person(t, "Ola Nordmann")} {
		out, err := verifyOut(t, s, s.SignAs(t, testpdf.Read(t, testpdf.Classic(t, t.TempDir(), 1)), id))
		if err != nil {
			t.Errorf("%s: %v\n%s", id.Cert.Subject.CommonName, err, out)
		}
	}
}

// TestVerifyPadding is issue item 5, second part: one changed byte in the
// zero padding after the CMS in /Contents, which no signature covers.
func TestVerifyPadding(t *testing.T) {
	t.Parallel()
	s := vt.NewSigner(t)
	signed := s.Sign(t, testpdf.Read(t, testpdf.Classic(t, t.TempDir(), 1)))
	sig := vt.Signatures(t, signed)[0]
	bad := bytes.Clone(signed)
	bad[sig.ByteRange[2]-2] = '1' // the last hex digit, deep in the padding
	out, err := verifyOut(t, s, bad)
	if !errors.Is(err, errVerifyFailed) || !strings.Contains(out, "non-zero bytes in the") {
		t.Fatalf("err = %v, want the changed padding refused\n%s", err, out)
	}
	bad = bytes.Clone(signed)
	bad[sig.ByteRange[2]-2] = 'x' // not a hex digit
	if out, err := verifyOut(t, s, bad); !errors.Is(err, errVerifyFailed) || !strings.Contains(out, "hex digit") {
		t.Fatalf("err = %v, want the malformed hex string refused\n%s", err, out)
	}
}

// TestVerifyManyFields is issue item 5, third part: 2000 signature fields
// pointing at one signature dictionary made verify hash the whole file
// 2000 times (9.6 s); beyond pdfsign.MaxSignatureFields the file is
// refused at once.
func TestVerifyManyFields(t *testing.T) {
	t.Parallel()
	s := vt.NewSigner(t)
	signed := s.Sign(t, testpdf.Read(t, testpdf.Classic(t, t.TempDir(), 1)))
	out, err := verifyOut(t, s, vt.ManyFields(t, signed, 2000))
	if err == nil || !strings.Contains(err.Error(), "more than 1000 signature fields") {
		t.Fatalf("err = %v, want the file refused for its fields\n%s", err, out)
	}
}
