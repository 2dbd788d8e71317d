package cmsasn

import (
	"bytes"
	"crypto"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
)

// essCertIDv2 is RFC 5035 ESSCertIDv2. HashAlgorithm is DEFAULT sha256, so
// DER leaves it out for SHA-256; the zero value is omitted when marshalling
// and an absent field parses as zero.
type essCertIDv2 struct {
	HashAlgorithm pkix.AlgorithmIdentifier `asn1:"optional"`
	CertHash      []byte
	IssuerSerial  issuerSerial `asn1:"optional"`
}

type signingCertificateV2 struct {
	Certs    []essCertIDv2
	Policies asn1.RawValue `asn1:"optional"`
}

// essCertID is RFC 2634 ESSCertID (SHA-1), accepted when verifying tokens
// from other time-stamp authorities.
type essCertID struct {
	CertHash     []byte
	IssuerSerial issuerSerial `asn1:"optional"`
}

type signingCertificate struct {
	Certs    []essCertID
	Policies asn1.RawValue `asn1:"optional"`
}

// issuerSerial names the issuer as GeneralNames holding one directoryName.
type issuerSerial struct {
	Issuer []asn1.RawValue
	Serial *big.Int
}

func directoryName(rawName []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: rawName}
}

// SigningCertificateV2 returns the ESS signing-certificate-v2 attribute for
// cert: its SHA-256 hash and issuerSerial. It binds the signature to this
// exact certificate, so a different certificate for the same key cannot be
// substituted.
func SigningCertificateV2(cert *x509.Certificate) (Attribute, error) {
	h := crypto.SHA256.New()
	h.Write(cert.Raw)
	v, err := Value(signingCertificateV2{Certs: []essCertIDv2{{
		CertHash:     h.Sum(nil),
		IssuerSerial: issuerSerial{Issuer: []asn1.RawValue{directoryName(cert.RawIssuer)}, Serial: cert.SerialNumber},
	}}})
	if err != nil {
		return Attribute{}, fmt.Errorf("marshal signing-certificate-v2: %w", err)
	}
	return Attribute{Type: OIDAttrSigningCertificateV2, Values: []asn1.RawValue{v}}, nil
}

// CheckSigningCertificateV2 reports whether the first ESSCertIDv2 in v (the
// one that names the signer, RFC 5035 §5.4) identifies cert.
func CheckSigningCertificateV2(v asn1.RawValue, cert *x509.Certificate) error {
	var sc signingCertificateV2
	if rest, err := asn1.Unmarshal(v.FullBytes, &sc); err != nil || len(rest) > 0 {
		return fmt.Errorf("malformed signing-certificate-v2: %w", errors.Join(err, trailing(rest)))
	}
	if len(sc.Certs) == 0 {
		return errors.New("signing-certificate-v2 lists no certificate")
	}
	id := sc.Certs[0]
	hash := crypto.SHA256
	if len(id.HashAlgorithm.Algorithm) > 0 {
		var err error
		if hash, err = HashFor(id.HashAlgorithm); err != nil {
			return fmt.Errorf("signing-certificate-v2: %w", err)
		}
	}
	h := hash.New()
	h.Write(cert.Raw)
	if !bytes.Equal(h.Sum(nil), id.CertHash) {
		return errors.New("signing-certificate-v2 hash does not match the signer certificate")
	}
	return checkIssuerSerial(id.IssuerSerial, cert, "signing-certificate-v2")
}

// CheckSigningCertificate is CheckSigningCertificateV2 for the SHA-1 based
// RFC 2634 attribute.
func CheckSigningCertificate(v asn1.RawValue, cert *x509.Certificate) error {
	var sc signingCertificate
	if rest, err := asn1.Unmarshal(v.FullBytes, &sc); err != nil || len(rest) > 0 {
		return fmt.Errorf("malformed signing-certificate: %w", errors.Join(err, trailing(rest)))
	}
	if len(sc.Certs) == 0 {
		return errors.New("signing-certificate lists no certificate")
	}
	h := sha1.Sum(cert.Raw)
	if !bytes.Equal(h[:], sc.Certs[0].CertHash) {
		return errors.New("signing-certificate hash does not match the signer certificate")
	}
	return checkIssuerSerial(sc.Certs[0].IssuerSerial, cert, "signing-certificate")
}

func checkIssuerSerial(is issuerSerial, cert *x509.Certificate, what string) error {
	if is.Serial == nil {
		return nil // issuerSerial is optional
	}
	if is.Serial.Cmp(cert.SerialNumber) != 0 {
		return fmt.Errorf("%s serial number does not match the signer certificate", what)
	}
	for _, gn := range is.Issuer {
		if gn.Class == asn1.ClassContextSpecific && gn.Tag == 4 && bytes.Equal(gn.Bytes, cert.RawIssuer) {
			return nil
		}
	}
	return fmt.Errorf("%s issuer does not match the signer certificate", what)
}
