package cms

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/svarsign/svarsign/internal/testenv"
	"github.com/svarsign/svarsign/server/internal/cmsasn"
	"github.com/svarsign/svarsign/server/pki"
	"github.com/svarsign/svarsign/server/tsa"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	ca  *pki.Authority
	tsa *tsa.Authority
}

func newFixture(t *testing.T, now func() time.Time) fixture {
	t.Helper()
	ca, err := pki.LoadOrCreate(filepath.Join(t.TempDir(), "ca"), "Eksempel kommune", now)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{ca: ca, tsa: tsa.New(ca.TSA, now)}
}

func digestOf(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}

func TestSignVerifyBT(t *testing.T) {
	clock := t0.Add(time.Hour)
	f := newFixture(t, func() time.Time { return clock })
	digest := digestOf([]byte("%PDF-1.7 byte ranges"))
	der, err := SignDetached(context.Background(), digest, f.ca.Seal, Options{TimeStamp: f.tsa.Timestamp})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Verify(der, digest, f.ca.Pool())
	if err != nil {
		t.Fatal(err)
	}
	if !res.Signer.Equal(f.ca.Seal.Cert) || !res.SigningCertV2OK {
		t.Errorf("signer %q, signing-certificate-v2 ok %v", res.Signer.Subject, res.SigningCertV2OK)
	}
	if !res.TimeStamp.Equal(clock) || res.TSA == nil || !res.TSA.Equal(f.ca.TSA.Cert) {
		t.Errorf("time stamp %v by %v, want %v by the TSA", res.TimeStamp, res.TSA, clock)
	}
	checkStructure(t, der, true)

	// Verify accepts the zero padding of a PDF /Contents string, nothing else.
	if _, err := Verify(append(bytes.Clone(der), make([]byte, 100)...), digest, f.ca.Pool()); err != nil {
		t.Errorf("zero-padded signature: %v", err)
	}
	if _, err := Verify(append(bytes.Clone(der), 0, 1), digest, f.ca.Pool()); err == nil {
		t.Error("accepted non-zero trailing bytes")
	}
}

func TestSignVerifyBB(t *testing.T) {
	f := newFixture(t, time.Now)
	signer, err := f.ca.IssueSigner("Kari Nordmann", "01010012345", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	digest := digestOf([]byte("content"))
	der, err := SignDetached(context.Background(), digest, signer, Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Verify(der, digest, f.ca.Pool())
	if err != nil {
		t.Fatal(err)
	}
	if !res.Signer.Equal(signer.Cert) || !res.SigningCertV2OK || !res.TimeStamp.IsZero() || res.TSA != nil {
		t.Errorf("result %+v", res)
	}
	checkStructure(t, der, false)
}

// checkStructure checks the encoding rules of the brief that a round trip
// through our own Verify would not notice.
func checkStructure(t *testing.T, der []byte, wantTimeStamp bool) {
	t.Helper()
	sd, err := cmsasn.ParseSignedData(der, false)
	if err != nil {
		t.Fatal(err)
	}
	if sd.Version != 1 || len(sd.DigestAlgorithms) != 1 || !sd.DigestAlgorithms[0].Algorithm.Equal(cmsasn.OIDSHA256) {
		t.Errorf("SignedData version %d, digest algorithms %v", sd.Version, sd.DigestAlgorithms)
	}
	if !sd.EncapContentInfo.EContentType.Equal(cmsasn.OIDData) || len(sd.EncapContentInfo.EContent.FullBytes) != 0 {
		t.Error("encapsulated content is not an empty id-data")
	}
	si := sd.SignerInfos[0]
	if si.Version != 1 || si.SID.Tag != asn1.TagSequence {
		t.Errorf("SignerInfo version %d, sid tag %d: want issuerAndSerialNumber", si.Version, si.SID.Tag)
	}
	if si.SignedAttrs.FullBytes[0] != 0xa0 {
		t.Errorf("signed attributes tag %#x, want [0] IMPLICIT (0xa0)", si.SignedAttrs.FullBytes[0])
	}
	if !si.SignatureAlgorithm.Algorithm.Equal(cmsasn.OIDECDSAWithSHA256) {
		t.Errorf("signature algorithm %v", si.SignatureAlgorithm.Algorithm)
	}
	attrs, err := cmsasn.ParseAttributes(si.SignedAttrs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var prev []byte
	for _, a := range attrs {
		got = append(got, a.Type.String())
		enc, _ := asn1.Marshal(a)
		if prev != nil && bytes.Compare(prev, enc) > 0 {
			t.Error("signed attributes are not in DER SET OF order")
		}
		prev = enc
	}
	want := []string{cmsasn.OIDAttrContentType.String(), cmsasn.OIDAttrMessageDigest.String(), cmsasn.OIDAttrSigningCertificateV2.String()}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("signed attributes %v, want exactly %v", got, want)
	}
	if wantTimeStamp != (len(si.UnsignedAttrs.FullBytes) > 0) {
		t.Errorf("unsigned attributes present = %v, want %v", !wantTimeStamp, wantTimeStamp)
	}
	certs, err := cmsasn.ParseCertificates(sd.Certificates)
	if err != nil || len(certs) != 2 {
		t.Errorf("%d certificates (%v), want signer and root", len(certs), err)
	}
}

func TestVerifyRejects(t *testing.T) {
	f := newFixture(t, func() time.Time { return t0 })
	digest := digestOf([]byte("content"))
	der, err := SignDetached(context.Background(), digest, f.ca.Seal, Options{TimeStamp: f.tsa.Timestamp})
	if err != nil {
		t.Fatal(err)
	}
	sd, err := cmsasn.ParseSignedData(der, false)
	if err != nil {
		t.Fatal(err)
	}
	si := sd.SignerInfos[0]
	flipAt := func(b []byte, i int) []byte {
		b = bytes.Clone(b)
		b[i] ^= 0x01
		return b
	}
	find := func(part []byte) int {
		i := bytes.Index(der, part)
		if i < 0 {
			t.Fatal("part not found in signature")
		}
		return i
	}
	tokAttrs, err := cmsasn.ParseAttributes(si.UnsignedAttrs)
	if err != nil {
		t.Fatal(err)
	}
	tok := tokAttrs[0].Values[0].FullBytes

	// A valid token, but over something other than this signature value.
	wrongTok, err := SignDetached(context.Background(), digest, f.ca.Seal, Options{TimeStamp: func(ctx context.Context, _ []byte) ([]byte, error) {
		return f.tsa.Timestamp(ctx, digestOf([]byte("another signature")))
	}})
	if err != nil {
		t.Fatal(err)
	}
	otherCA := newFixture(t, func() time.Time { return t0 })

	cases := []struct {
		name   string
		der    []byte
		digest []byte
		roots  *x509.CertPool
		want   string
	}{
		{"flipped content digest", der, flipAt(digest, 7), f.ca.Pool(), "message-digest attribute does not match"},
		{"wrong root", der, digest, otherCA.ca.Pool(), "unknown authority"},
		{"tampered signature", flipAt(der, find(si.Signature)+10), digest, f.ca.Pool(), "signature"},
		{"tampered signed attribute", flipAt(der, find(si.SignedAttrs.FullBytes)+len(si.SignedAttrs.FullBytes)-1), digest, f.ca.Pool(), "signature does not verify"},
		{"tampered time stamp", flipAt(der, find(tok)+len(tok)-1), digest, f.ca.Pool(), "signature time stamp"},
		{"time stamp over other data", wrongTok, digest, f.ca.Pool(), "message imprint does not match"},
		{"not CMS", []byte("%PDF"), digest, f.ca.Pool(), "ContentInfo"},
	}
	for _, c := range cases {
		_, err := Verify(c.der, c.digest, c.roots)
		if err == nil {
			t.Errorf("%s: Verify succeeded", c.name)
		} else if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.want)
		}
	}
}

// TestChainTimeIsTimeStamp checks that an expired signer certificate still
// verifies when a time stamp proves the signature predates expiry, and not
// without one.
func TestChainTimeIsTimeStamp(t *testing.T) {
	f := newFixture(t, func() time.Time { return t0 })
	signer, err := f.ca.IssueSigner("Ola Nordmann", "02020054321", t0)
	if err != nil {
		t.Fatal(err)
	}
	later := func() time.Time { return t0.Add(pki.SignerValidity + 24*time.Hour) }
	digest := digestOf([]byte("content"))
	bt, err := SignDetached(context.Background(), digest, signer, Options{TimeStamp: f.tsa.Timestamp})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verify(bt, digest, f.ca.Pool(), later); err != nil {
		t.Errorf("B-T after signer expiry: %v", err)
	}
	bb, err := SignDetached(context.Background(), digest, signer, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verify(bb, digest, f.ca.Pool(), later); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("B-B after signer expiry: err = %v, want expiry", err)
	}
}

func TestSignDetachedRejects(t *testing.T) {
	f := newFixture(t, time.Now)
	if _, err := SignDetached(context.Background(), []byte("short"), f.ca.Seal, Options{}); err == nil {
		t.Error("accepted a 5-byte digest")
	}
	boom := errors.New("tsa down")
	_, err := SignDetached(context.Background(), digestOf(nil), f.ca.Seal, Options{TimeStamp: func(context.Context, []byte) ([]byte, error) { return nil, boom }})
	if !errors.Is(err, boom) {
		t.Errorf("time stamp failure: err = %v, want it wrapped", err)
	}
	_, err = SignDetached(context.Background(), digestOf(nil), f.ca.Seal, Options{TimeStamp: func(context.Context, []byte) ([]byte, error) { return []byte{0x30, 0x00, 0x00}, nil }})
	if err == nil {
		t.Error("accepted a malformed time-stamp token")
	}
}

// rsaIdentity builds an RSA root and signer outside pki, to exercise the
// RSA path.
func rsaIdentity(t *testing.T) (pki.Identity, *x509.Certificate) {
	t.Helper()
	mk := func(tmpl, parent *x509.Certificate, pub any, key *rsa.PrivateKey) *x509.Certificate {
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	rootKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	leafKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	rootTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "RSA test root"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	root := mk(rootTmpl, rootTmpl, &rootKey.PublicKey, rootKey)
	leaf := mk(&x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "RSA signer"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageContentCommitment,
	}, root, &leafKey.PublicKey, rootKey)
	return pki.Identity{Cert: leaf, Key: leafKey, Chain: []*x509.Certificate{root}}, root
}

func TestRSA(t *testing.T) {
	id, root := rsaIdentity(t)
	pool := x509.NewCertPool()
	pool.AddCert(root)
	digest := digestOf([]byte("content"))
	der, err := SignDetached(context.Background(), digest, id, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(der, digest, pool); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(der, digestOf([]byte("other")), pool); err == nil {
		t.Error("RSA signature verified against another digest")
	}
}

func writePEM(t *testing.T, path string, certs ...*x509.Certificate) {
	t.Helper()
	var buf bytes.Buffer
	for _, c := range certs {
		pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func openssl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command("openssl", args...).CombinedOutput()
	t.Logf("openssl %s:\n%s", strings.Join(args, " "), out)
	return string(out), err
}

// TestOpenSSL verifies signatures with OpenSSL, which recomputes the digest
// from the content, checks the signed attributes' DER, the ESS
// signing-certificate-v2 attribute and the chain; and verifies the embedded
// time stamp with openssl ts.
func TestOpenSSL(t *testing.T) {
	testenv.NeedCommand(t, "openssl", "apt-get install openssl")
	f := newFixture(t, time.Now)
	signer, err := f.ca.IssueSigner("Kari Nordmann", "01010012345", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rsaID, rsaRoot := rsaIdentity(t)
	dir := t.TempDir()
	data := make([]byte, 10_000)
	rand.Read(data)
	dataPath, rootPath, rsaRootPath := filepath.Join(dir, "data.bin"), filepath.Join(dir, "root.pem"), filepath.Join(dir, "rsaroot.pem")
	if err := os.WriteFile(dataPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	writePEM(t, rootPath, f.ca.Root)
	writePEM(t, rsaRootPath, rsaRoot)
	tampered := filepath.Join(dir, "tampered.bin")
	if err := os.WriteFile(tampered, append(bytes.Clone(data), '!'), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name   string
		id     pki.Identity
		root   string
		ts     bool
		sigAlg string
	}{
		{"seal B-T", f.ca.Seal, rootPath, true, "ecdsa-with-SHA256"},
		{"signer B-T", signer, rootPath, true, "ecdsa-with-SHA256"},
		{"signer B-B", signer, rootPath, false, "ecdsa-with-SHA256"},
		{"RSA B-B", rsaID, rsaRootPath, false, "sha256WithRSAEncryption"},
	} {
		t.Run(c.name, func(t *testing.T) {
			opts := Options{}
			if c.ts {
				opts.TimeStamp = f.tsa.Timestamp
			}
			der, err := SignDetached(context.Background(), digestOf(data), c.id, opts)
			if err != nil {
				t.Fatal(err)
			}
			sigPath := filepath.Join(t.TempDir(), "sig.der")
			if err := os.WriteFile(sigPath, der, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := openssl(t, "cms", "-verify", "-binary", "-inform", "DER", "-in", sigPath, "-content", dataPath, "-CAfile", c.root, "-purpose", "any", "-out", os.DevNull)
			if err != nil || !strings.Contains(out, "Verification successful") {
				t.Errorf("openssl cms -verify failed: %v", err)
			}
			if out, err := openssl(t, "cms", "-verify", "-binary", "-inform", "DER", "-in", sigPath, "-content", tampered, "-CAfile", c.root, "-purpose", "any", "-out", os.DevNull); err == nil || strings.Contains(out, "Verification successful") {
				t.Error("openssl cms -verify accepted tampered content")
			}

			out, err = openssl(t, "cms", "-cmsout", "-print", "-inform", "DER", "-in", sigPath)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"contentType", "messageDigest", "id-smime-aa-signingCertificateV2", "algorithm: " + c.sigAlg, "eContent: <ABSENT>"} {
				if !strings.Contains(out, want) {
					t.Errorf("cms -print lacks %q", want)
				}
			}
			if strings.Contains(out, "signingTime") {
				t.Error("cms -print shows a signingTime attribute")
			}
			if got := strings.Contains(out, "id-smime-aa-timeStampToken"); got != c.ts {
				t.Errorf("timeStampToken present = %v, want %v", got, c.ts)
			}

			// OpenSSL 3.0's cms -verify does not check ESS
			// signing-certificate-v2, so compare the certHash it prints
			// with OpenSSL's own SHA-256 fingerprint of the signer.
			_, after, _ := strings.Cut(out, "id-smime-aa-signingCertificateV2")
			_, after, _ = strings.Cut(after, "[HEX DUMP]:")
			certHash, _, _ := strings.Cut(after, "\n")
			signerPath := filepath.Join(t.TempDir(), "signer.pem")
			writePEM(t, signerPath, c.id.Cert)
			fp, err := openssl(t, "x509", "-in", signerPath, "-noout", "-fingerprint", "-sha256")
			if err != nil {
				t.Fatal(err)
			}
			_, fp, _ = strings.Cut(strings.TrimSpace(fp), "=")
			if fp = strings.ReplaceAll(fp, ":", ""); fp == "" || !strings.EqualFold(fp, strings.TrimSpace(certHash)) {
				t.Errorf("signing-certificate-v2 certHash %q, OpenSSL fingerprint %q", certHash, fp)
			}

			if !c.ts {
				return
			}
			sd, err := cmsasn.ParseSignedData(der, false)
			if err != nil {
				t.Fatal(err)
			}
			attrs, err := cmsasn.ParseAttributes(sd.SignerInfos[0].UnsignedAttrs)
			if err != nil {
				t.Fatal(err)
			}
			tokPath := filepath.Join(t.TempDir(), "token.der")
			if err := os.WriteFile(tokPath, attrs[0].Values[0].FullBytes, 0o644); err != nil {
				t.Fatal(err)
			}
			imprint := sha256.Sum256(sd.SignerInfos[0].Signature)
			out, err = openssl(t, "ts", "-verify", "-token_in", "-in", tokPath, "-digest", hex.EncodeToString(imprint[:]), "-CAfile", rootPath)
			if err != nil || !strings.Contains(out, "Verification: OK") {
				t.Errorf("openssl ts -verify of the signature time stamp failed: %v", err)
			}
		})
	}
}

// TestSignerUsage signs with certificates of every kind of key usage and
// extended key usage: only those fit for signing documents verify. A
// time-stamping certificate (the local CA's own TSA certificate among them)
// must not be able to sign a contract; openssl cms refuses it too.
func TestSignerUsage(t *testing.T) {
	f := newFixture(t, time.Now)
	root, rootKey := testRoot(t, "usage test root")
	now := time.Now()
	pool := x509.NewCertPool()
	pool.AddCert(root)
	pool.AddCert(f.ca.Root) // for the time stamps
	issue := func(ku x509.KeyUsage, eku []x509.ExtKeyUsage, unknown []asn1.ObjectIdentifier) pki.Identity {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
			SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "signer"},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
			KeyUsage: ku, ExtKeyUsage: eku, UnknownExtKeyUsage: unknown,
		}, root, &key.PublicKey, rootKey)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return pki.Identity{Cert: c, Key: key, Chain: []*x509.Certificate{root}}
	}
	sig := x509.KeyUsageDigitalSignature
	for _, c := range []struct {
		name string
		id   pki.Identity
		want string // "" means it verifies
	}{
		{"no EKU", issue(sig, nil, nil), ""},
		{"nonRepudiation only", issue(x509.KeyUsageContentCommitment, nil, nil), ""},
		{"emailProtection", issue(sig, []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}, nil), ""},
		{"any", issue(sig, []x509.ExtKeyUsage{x509.ExtKeyUsageAny}, nil), ""},
		{"documentSigning", issue(sig, nil, []asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 36}}), ""},
		{"Adobe authentic documents", issue(sig, nil, []asn1.ObjectIdentifier{{1, 2, 840, 113583, 1, 1, 5}}), ""},
		{"MS document signing", issue(sig, nil, []asn1.ObjectIdentifier{{1, 3, 6, 1, 4, 1, 311, 10, 3, 12}}), ""},
		{"timeStamping only", issue(sig, []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}, nil), "unsuitable"},
		{"codeSigning", issue(sig, []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}, nil), "unsuitable"},
		{"serverAuth", issue(sig, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, nil), "unsuitable"},
		{"keyEncipherment only", issue(x509.KeyUsageKeyEncipherment, nil, nil), "neither digitalSignature nor nonRepudiation"},
		{"no key usage", issue(0, nil, nil), "neither digitalSignature nor nonRepudiation"},
		{"the local CA's TSA certificate", f.ca.TSA, "unsuitable"},
		{"the local CA's seal", f.ca.Seal, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			digest := digestOf([]byte("contract"))
			der, err := SignDetached(context.Background(), digest, c.id, Options{TimeStamp: f.tsa.Timestamp})
			if err != nil {
				t.Fatal(err)
			}
			roots := pool
			if c.id.Cert.Issuer.CommonName != "usage test root" {
				roots = f.ca.Pool()
			}
			_, err = Verify(der, digest, roots)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("Verify: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("Verify: err = %v, want it to mention %q", err, c.want)
			}
		})
	}
}

// TestTimeStampAuthorityUsage checks the TSA certificate of a signature
// time stamp: RFC 3161 wants the timeStamping extended key usage alone and
// critical. A TSA certificate that could also sign documents, or whose EKU
// is not critical, is refused; the local CA's own TSA certificate passes.
func TestTimeStampAuthorityUsage(t *testing.T) {
	f := newFixture(t, time.Now)
	root, rootKey := testRoot(t, "tsa test root")
	now := time.Now()
	pool := f.ca.Pool()
	pool.AddCert(root)
	ekuTS, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	tsaID := func(eku []x509.ExtKeyUsage, ext []pkix.Extension) pki.Identity {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
			SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "tsa"},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: eku, ExtraExtensions: ext,
		}, root, &key.PublicKey, rootKey)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return pki.Identity{Cert: c, Key: key, Chain: []*x509.Certificate{root}}
	}
	for _, c := range []struct {
		name string
		id   pki.Identity
		want string
	}{
		{"the local CA's TSA", f.ca.TSA, ""},
		{"timeStamping, critical", tsaID(nil, []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: ekuTS}}), ""},
		{"timeStamping, not critical", tsaID([]x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}, nil), "non-critical"},
		{"timeStamping and emailProtection", tsaID([]x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping, x509.ExtKeyUsageEmailProtection}, nil), "exactly the timeStamping"},
		{"no EKU", tsaID(nil, nil), "exactly the timeStamping"},
	} {
		t.Run(c.name, func(t *testing.T) {
			stamper := tsa.New(c.id, time.Now)
			digest := digestOf([]byte("contract"))
			der, err := SignDetached(context.Background(), digest, f.ca.Seal, Options{TimeStamp: stamper.Timestamp})
			if err != nil {
				t.Fatal(err)
			}
			_, err = Verify(der, digest, pool)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("Verify: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("Verify: err = %v, want it to mention %q", err, c.want)
			}
		})
	}
}

// testRoot makes a self-signed CA valid for an hour around now, to issue
// certificates of every kind of usage from.
func testRoot(t *testing.T, cn string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	root, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return root, key
}
