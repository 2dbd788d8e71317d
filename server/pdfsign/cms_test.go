package pdfsign_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"testing"
	"time"
)

// testSigner makes minimal CMS SignedData signatures (detached, signed
// attributes content-type and message-digest) with a self-signed ECDSA
// certificate: enough for pdfsig to check the digest. The real CAdES signer
// lives elsewhere; this package must not depend on it.
type testSigner struct {
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
}

func newTestSigner(t testing.TB) *testSigner {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:   big.NewInt(time.Now().UnixNano()),
		Subject:        pkix.Name{CommonName: "pdfsign test signer", Organization: []string{"svarsign"}},
		NotBefore:      time.Now().Add(-time.Hour),
		NotAfter:       time.Now().Add(24 * time.Hour),
		KeyUsage:       x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		EmailAddresses: []string{"test@example.org"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testSigner{key: key, cert: cert}
}

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values []asn1.RawValue `asn1:"set"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type signerInfo struct {
	Version     int
	SID         issuerAndSerial
	DigestAlg   algorithmIdentifier
	SignedAttrs asn1.RawValue // [0] IMPLICIT SET OF Attribute
	SigAlg      algorithmIdentifier
	Signature   []byte
}

type encapContentInfo struct {
	Type asn1.ObjectIdentifier
}

type signedData struct {
	Version     int
	DigestAlgs  []algorithmIdentifier `asn1:"set"`
	Encap       encapContentInfo
	Certs       asn1.RawValue // [0] IMPLICIT SET OF Certificate
	SignerInfos []signerInfo  `asn1:"set"`
}

type contentInfo struct {
	Type    asn1.ObjectIdentifier
	Content asn1.RawValue // [0] EXPLICIT
}

// sign is a pdfsign.SignFunc.
func (s *testSigner) sign(_ context.Context, digest []byte) ([]byte, error) {
	var (
		oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
		oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
		oidContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
		oidMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
		oidSHA256        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
		oidECDSASHA256   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	)
	if len(digest) != sha256.Size {
		return nil, fmt.Errorf("digest of %d bytes", len(digest))
	}
	ct, err := asn1.Marshal(oidData)
	if err != nil {
		return nil, err
	}
	md, err := asn1.Marshal(digest)
	if err != nil {
		return nil, err
	}
	// DER sorts SET OF by encoding; content-type's is the shorter, so first.
	attrs, err := asn1.MarshalWithParams([]attribute{
		{oidContentType, []asn1.RawValue{{FullBytes: ct}}},
		{oidMessageDigest, []asn1.RawValue{{FullBytes: md}}},
	}, "set")
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(attrs) // signed as a SET (tag 0x31)
	sig, err := ecdsa.SignASN1(rand.Reader, s.key, h[:])
	if err != nil {
		return nil, err
	}
	implicit := append([]byte{0xa0}, attrs[1:]...) // embedded as [0] IMPLICIT
	sd, err := asn1.Marshal(signedData{
		Version:    1,
		DigestAlgs: []algorithmIdentifier{{Algorithm: oidSHA256}},
		Encap:      encapContentInfo{Type: oidData},
		Certs:      asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: s.cert.Raw},
		SignerInfos: []signerInfo{{
			Version:     1,
			SID:         issuerAndSerial{Issuer: asn1.RawValue{FullBytes: s.cert.RawIssuer}, Serial: s.cert.SerialNumber},
			DigestAlg:   algorithmIdentifier{Algorithm: oidSHA256},
			SignedAttrs: asn1.RawValue{FullBytes: implicit},
			SigAlg:      algorithmIdentifier{Algorithm: oidECDSASHA256},
			Signature:   sig,
		}},
	})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(contentInfo{
		Type:    oidSignedData,
		Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sd},
	})
}
