package cmsasn

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"
	"time"
)

func selfSigned(t *testing.T, cn string, serial int64) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

func TestMarshalAttributesSortsAndTags(t *testing.T) {
	long, _ := Value(bytes.Repeat([]byte{1}, 40))
	short, _ := Value(asn1.ObjectIdentifier{1, 2})
	set, err := MarshalAttributes([]Attribute{
		{Type: OIDAttrMessageDigest, Values: []asn1.RawValue{long}},
		{Type: OIDAttrContentType, Values: []asn1.RawValue{short}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if set[0] != 0x31 {
		t.Fatalf("tag %#x, want SET", set[0])
	}
	imp := Implicit(set, 0)
	if imp.FullBytes[0] != 0xa0 || !bytes.Equal(imp.FullBytes[1:], set[1:]) || set[0] != 0x31 {
		t.Error("Implicit must retag a copy and keep the rest")
	}
	var raw asn1.RawValue
	asn1.Unmarshal(imp.FullBytes, &raw)
	attrs, err := ParseAttributes(raw)
	if err != nil {
		t.Fatal(err)
	}
	// The shorter content-type attribute sorts first in DER.
	if len(attrs) != 2 || !attrs[0].Type.Equal(OIDAttrContentType) {
		t.Errorf("order %v", attrs)
	}
	si := &SignerInfo{SignedAttrs: raw}
	back, err := SignedAttrsSET(si)
	if err != nil || !bytes.Equal(back, set) {
		t.Error("SignedAttrsSET does not give back the SET bytes")
	}

	dup, _ := MarshalAttributes([]Attribute{{Type: OIDAttrContentType, Values: []asn1.RawValue{short}}, {Type: OIDAttrContentType, Values: []asn1.RawValue{short}}})
	asn1.Unmarshal(Implicit(dup, 0).FullBytes, &raw)
	if _, err := ParseAttributes(raw); err == nil {
		t.Error("accepted a repeated attribute")
	}
}

func TestSigningCertificateV2(t *testing.T) {
	cert, _ := selfSigned(t, "a", 1)
	other, _ := selfSigned(t, "b", 2)
	attr, err := SigningCertificateV2(cert)
	if err != nil {
		t.Fatal(err)
	}
	v := attr.Values[0]
	if err := CheckSigningCertificateV2(v, cert); err != nil {
		t.Errorf("own certificate: %v", err)
	}
	if err := CheckSigningCertificateV2(v, other); err == nil || !strings.Contains(err.Error(), "hash") {
		t.Errorf("other certificate: err = %v", err)
	}
	// DER: the DEFAULT sha256 hashAlgorithm is left out.
	if bytes.Contains(v.FullBytes, []byte{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01}) {
		t.Error("sha256 hashAlgorithm encoded though it is the DEFAULT")
	}

	// Another producer's form: explicit SHA-512, wrong serial.
	h := sha512.Sum512(cert.Raw)
	mk := func(serial *big.Int) asn1.RawValue {
		v, err := Value(signingCertificateV2{Certs: []essCertIDv2{{
			HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: OIDSHA512},
			CertHash:      h[:],
			IssuerSerial:  issuerSerial{Issuer: []asn1.RawValue{directoryName(cert.RawIssuer)}, Serial: serial},
		}}})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if err := CheckSigningCertificateV2(mk(cert.SerialNumber), cert); err != nil {
		t.Errorf("SHA-512 form: %v", err)
	}
	if err := CheckSigningCertificateV2(mk(big.NewInt(99)), cert); err == nil || !strings.Contains(err.Error(), "serial") {
		t.Errorf("wrong serial: err = %v", err)
	}
}

func TestSignCheckAndFindSigner(t *testing.T) {
	cert, key := selfSigned(t, "a", 1)
	other, _ := selfSigned(t, "b", 2)
	alg, sig, err := Sign(key, []byte("attrs"))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckSignature(cert, SHA256(), alg, []byte("attrs"), sig); err != nil {
		t.Error(err)
	}
	if err := CheckSignature(cert, SHA256(), alg, []byte("attrz"), sig); err == nil {
		t.Error("signature verified over other bytes")
	}
	sid, err := SID(cert)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := FindSigner(sid, []*x509.Certificate{other, cert}); err != nil || got != cert {
		t.Errorf("FindSigner = %v, %v", got, err)
	}
	if _, err := FindSigner(sid, []*x509.Certificate{other}); err == nil {
		t.Error("found a signer that is not there")
	}
	certs, err := ParseCertificates(CertificateSet([]*x509.Certificate{cert, other, cert}))
	if err != nil || len(certs) != 2 {
		t.Errorf("certificate set round trip: %d, %v", len(certs), err)
	}
}
