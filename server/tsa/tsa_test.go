package tsa

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/svarsign/svarsign/internal/testenv"
	"github.com/svarsign/svarsign/server/internal/cmsasn"
	"github.com/svarsign/svarsign/server/pki"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newCA(t *testing.T, now func() time.Time) *pki.Authority {
	t.Helper()
	a, err := pki.LoadOrCreate(filepath.Join(t.TempDir(), "ca"), "Eksempel kommune", now)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func imprintOf(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func TestTimestampVerify(t *testing.T) {
	ca := newCA(t, func() time.Time { return t0 })
	at := t0.Add(90*time.Minute + 1500*time.Millisecond)
	a := New(ca.TSA, func() time.Time { return at })
	imprint := imprintOf("hello")
	tok, err := a.Timestamp(context.Background(), imprint)
	if err != nil {
		t.Fatal(err)
	}
	gen, cert, err := Verify(tok, imprint, ca.Pool())
	if err != nil {
		t.Fatal(err)
	}
	if want := at.Truncate(time.Second); !gen.Equal(want) {
		t.Errorf("genTime = %v, want %v", gen, want)
	}
	if !cert.Equal(ca.TSA.Cert) {
		t.Errorf("TSA certificate = %q", cert.Subject)
	}

	// Structure: SignedData v3, TSTInfo with our policy and 1 s accuracy,
	// signed attributes content-type, message-digest, signing-cert-v2.
	sd, err := cmsasn.ParseSignedData(tok, false)
	if err != nil {
		t.Fatal(err)
	}
	if sd.Version != 3 {
		t.Errorf("SignedData version = %d, want 3", sd.Version)
	}
	econtent, err := cmsasn.EContentOctets(&sd.EncapContentInfo)
	if err != nil {
		t.Fatal(err)
	}
	var tst tstInfo
	if _, err := asn1.Unmarshal(econtent, &tst); err != nil {
		t.Fatal(err)
	}
	if tst.Accuracy.Seconds != 1 || tst.SerialNumber.Sign() <= 0 {
		t.Errorf("accuracy %+v, serial %v", tst.Accuracy, tst.SerialNumber)
	}
	var oid x509.OID
	if err := oid.UnmarshalBinary(tst.Policy.Bytes); err != nil || oid.String() != PolicyOID {
		t.Errorf("policy = %v (%v), want %s", oid, err, PolicyOID)
	}
	attrs, err := cmsasn.ParseAttributes(sd.SignerInfos[0].SignedAttrs)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, a := range attrs {
		types = append(types, a.Type.String())
	}
	want := []string{cmsasn.OIDAttrContentType.String(), cmsasn.OIDAttrMessageDigest.String(), cmsasn.OIDAttrSigningCertificateV2.String()}
	if strings.Join(types, " ") != strings.Join(want, " ") {
		t.Errorf("signed attributes %v, want %v (DER order)", types, want)
	}

	tok2, err := a.Timestamp(context.Background(), imprint)
	if err != nil {
		t.Fatal(err)
	}
	sd2, err := cmsasn.ParseSignedData(tok2, false)
	if err != nil {
		t.Fatal(err)
	}
	econtent2, err := cmsasn.EContentOctets(&sd2.EncapContentInfo)
	if err != nil {
		t.Fatal(err)
	}
	var tst2 tstInfo
	if _, err := asn1.Unmarshal(econtent2, &tst2); err != nil {
		t.Fatal(err)
	}
	if tst2.SerialNumber.Cmp(tst.SerialNumber) == 0 {
		t.Error("two tokens share a serial number")
	}
}

func TestVerifyRejects(t *testing.T) {
	ca := newCA(t, func() time.Time { return t0 })
	a := New(ca.TSA, func() time.Time { return t0 })
	imprint := imprintOf("hello")
	tok, err := a.Timestamp(context.Background(), imprint)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		b := bytes.Clone(tok)
		b[i] ^= 0x01
		return b
	}
	sd, err := cmsasn.ParseSignedData(tok, false)
	if err != nil {
		t.Fatal(err)
	}
	genAt := bytes.Index(tok, []byte(t0.Format("20060102150405Z")))
	sigAt := bytes.Index(tok, sd.SignerInfos[0].Signature)
	if genAt < 0 || sigAt < 0 {
		t.Fatal("cannot locate genTime or signature in the token")
	}
	otherImprint := bytes.Clone(imprint)
	otherImprint[0] ^= 0x80

	cases := []struct {
		name    string
		token   []byte
		imprint []byte
		ca      *pki.Authority
		want    string
	}{
		{"other imprint", tok, otherImprint, ca, "message imprint does not match"},
		{"wrong root", tok, imprint, newCA(t, func() time.Time { return t0 }), "certificate signed by unknown authority"},
		{"tampered genTime", flip(genAt + 3), imprint, ca, "message-digest"},
		{"tampered signature", flip(sigAt + len(sd.SignerInfos[0].Signature) - 1), imprint, ca, "signature"},
		{"truncated", tok[:len(tok)-1], imprint, ca, "ContentInfo"},
		{"trailing data", append(bytes.Clone(tok), 0), imprint, ca, "trailing"},
	}
	for _, c := range cases {
		_, _, err := Verify(c.token, c.imprint, c.ca.Pool())
		if err == nil {
			t.Errorf("%s: Verify succeeded", c.name)
		} else if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.want)
		}
	}
}

func TestVerifyRejectsNonTSACertificate(t *testing.T) {
	ca := newCA(t, func() time.Time { return t0 })
	a := New(ca.Seal, func() time.Time { return t0 }) // seal: no timeStamping EKU
	imprint := imprintOf("hello")
	tok, err := a.Timestamp(context.Background(), imprint)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Verify(tok, imprint, ca.Pool()); err == nil || !strings.Contains(err.Error(), "timeStamping") {
		t.Errorf("Verify with a seal-signed token: err = %v", err)
	}
}

func TestTimestampRejects(t *testing.T) {
	ca := newCA(t, func() time.Time { return t0 })
	a := New(ca.TSA, func() time.Time { return t0 })
	if _, err := a.Timestamp(context.Background(), []byte("short")); err == nil {
		t.Error("accepted a 5-byte imprint")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Timestamp(ctx, imprintOf("x")); err == nil {
		t.Error("accepted a cancelled context")
	}
	late := New(ca.TSA, func() time.Time { return t0.Add(pki.ServiceValidity + time.Hour) })
	if _, err := late.Timestamp(context.Background(), imprintOf("x")); err == nil {
		t.Error("issued a token after the TSA certificate expired")
	}
}

func writePEM(t *testing.T, path string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestOpenSSLVerifiesToken checks tokens with OpenSSL's independent RFC 3161
// implementation, which also checks the ESS signing certificate attribute,
// the tsa name and the TSA certificate's critical EKU.
func TestOpenSSLVerifiesToken(t *testing.T) {
	testenv.NeedCommand(t, "openssl", "apt-get install openssl")
	ca := newCA(t, time.Now)
	a := New(ca.TSA, time.Now)
	imprint := imprintOf("the PDF signature value")
	tok, err := a.Timestamp(context.Background(), imprint)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tokPath, rootPath, tsaPath := filepath.Join(dir, "token.der"), filepath.Join(dir, "root.pem"), filepath.Join(dir, "tsa.pem")
	if err := os.WriteFile(tokPath, tok, 0o644); err != nil {
		t.Fatal(err)
	}
	writePEM(t, rootPath, ca.Root.Raw)
	writePEM(t, tsaPath, ca.TSA.Cert.Raw)

	run := func(args ...string) (string, error) {
		out, err := exec.Command("openssl", args...).CombinedOutput()
		t.Logf("openssl %s:\n%s", strings.Join(args, " "), out)
		return string(out), err
	}
	out, err := run("ts", "-verify", "-token_in", "-in", tokPath, "-digest", hex.EncodeToString(imprint), "-CAfile", rootPath, "-untrusted", tsaPath)
	if err != nil || !strings.Contains(out, "Verification: OK") {
		t.Errorf("openssl ts -verify failed: %v", err)
	}
	other := imprintOf("something else")
	if out, err := run("ts", "-verify", "-token_in", "-in", tokPath, "-digest", hex.EncodeToString(other), "-CAfile", rootPath, "-untrusted", tsaPath); err == nil && strings.Contains(out, "Verification: OK") {
		t.Error("openssl ts -verify accepted a different digest")
	}

	out, err = run("ts", "-reply", "-token_in", "-in", tokPath, "-token_out", "-text")
	if err != nil {
		t.Fatalf("openssl ts -reply -text: %v", err)
	}
	for _, want := range []string{
		"Policy OID: " + PolicyOID,
		"Hash Algorithm: sha256",
		"Accuracy: 0x01 seconds",
		"Ordering: no",
		"Nonce: unspecified",
		"TSA: DirName:/O=Eksempel kommune/OU=svarsign local test CA/CN=Eksempel kommune time-stamping",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("openssl ts -reply -text lacks %q", want)
		}
	}
}
