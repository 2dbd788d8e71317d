package cmsasn

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
)

// Signer is the outcome of VerifySignerInfo.
type Signer struct {
	Cert        *x509.Certificate
	SignedAttrs []Attribute
}

// VerifySignerInfo checks that si carries signed attributes whose
// content-type equals contentType and whose message-digest equals digest,
// finds the signer among certs, and verifies the signature over the DER SET
// of signed attributes. It does not check the certificate chain.
func VerifySignerInfo(si *SignerInfo, certs []*x509.Certificate, contentType asn1.ObjectIdentifier, digest []byte) (*Signer, error) {
	set, err := SignedAttrsSET(si)
	if err != nil {
		return nil, err
	}
	attrs, err := ParseAttributes(si.SignedAttrs)
	if err != nil {
		return nil, fmt.Errorf("signed attributes: %w", err)
	}

	v, ok, err := Find(attrs, OIDAttrContentType)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errors.New("content-type signed attribute is missing")
	}
	var ct asn1.ObjectIdentifier
	if rest, err := asn1.Unmarshal(v.FullBytes, &ct); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("malformed content-type attribute: %w", errors.Join(err, trailing(rest)))
	}
	if !ct.Equal(contentType) {
		return nil, fmt.Errorf("content-type attribute is %v, want %v", ct, contentType)
	}

	v, ok, err = Find(attrs, OIDAttrMessageDigest)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errors.New("message-digest signed attribute is missing")
	}
	var md []byte
	if rest, err := asn1.Unmarshal(v.FullBytes, &md); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("malformed message-digest attribute: %w", errors.Join(err, trailing(rest)))
	}
	if !bytes.Equal(md, digest) {
		return nil, errors.New("message-digest attribute does not match the content digest")
	}

	cert, err := FindSigner(si.SID, certs)
	if err != nil {
		return nil, err
	}
	if err := CheckSignature(cert, si.DigestAlgorithm, si.SignatureAlgorithm, set, si.Signature); err != nil {
		return nil, err
	}
	return &Signer{Cert: cert, SignedAttrs: attrs}, nil
}
