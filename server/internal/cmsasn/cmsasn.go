// Package cmsasn holds the CMS (RFC 5652) structures, ESS signing-certificate
// attributes (RFC 2634, RFC 5035) and signer-info checks shared by the cms and
// tsa packages. It is internal because both need the same careful encoding of
// signed attributes, and neither may import the other's internals.
package cmsasn

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
)

// Object identifiers used by CMS, ESS and RFC 3161.
var (
	OIDData                     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	OIDSignedData               = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	OIDTSTInfo                  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	OIDAttrContentType          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	OIDAttrMessageDigest        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	OIDAttrSigningTime          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	OIDAttrSigningCertificate   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	OIDAttrSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	OIDAttrTimeStampToken       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}

	OIDSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	OIDSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	OIDSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	OIDSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	OIDRSAEncryption   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	OIDSHA256WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	OIDSHA384WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	OIDSHA512WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	OIDECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	OIDECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	OIDECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
)

// ContentInfo is the outer CMS wrapper. Content is the whole [0] EXPLICIT
// element, wrapper included (see Explicit0): encoding/asn1 keeps the wrapper
// for RawValue fields both ways, so Content.Bytes is the inner DER.
type ContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

// SignedData is RFC 5652 §5.1 SignedData. Certificates and CRLs hold the
// whole [0]/[1] IMPLICIT element.
type SignedData struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	EncapContentInfo EncapsulatedContentInfo
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      []SignerInfo  `asn1:"set"`
}

// EncapsulatedContentInfo is RFC 5652 §5.2. EContent is absent for detached
// signatures. As with ContentInfo, EContent is the whole [0] EXPLICIT
// element; EContent.Bytes holds the OCTET STRING (see EContentOctets).
type EncapsulatedContentInfo struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue `asn1:"optional,explicit,tag:0"`
}

// SignerInfo is RFC 5652 §5.3. SID is either an IssuerAndSerialNumber
// SEQUENCE or a [0] SubjectKeyIdentifier. SignedAttrs and UnsignedAttrs hold
// the whole [0]/[1] IMPLICIT element.
type SignerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

// IssuerAndSerialNumber identifies a certificate by issuer name and serial.
type IssuerAndSerialNumber struct {
	Issuer       asn1.RawValue
	SerialNumber *big.Int
}

// Attribute is RFC 5652 Attribute: a type and a SET OF values.
type Attribute struct {
	Type   asn1.ObjectIdentifier
	Values []asn1.RawValue `asn1:"set"`
}

// SHA256 is the sha256 AlgorithmIdentifier with absent parameters, as
// RFC 5754 §2 asks of producers.
func SHA256() pkix.AlgorithmIdentifier { return pkix.AlgorithmIdentifier{Algorithm: OIDSHA256} }

// HashFor maps a digest AlgorithmIdentifier to a hash. SHA-1 is refused.
func HashFor(alg pkix.AlgorithmIdentifier) (crypto.Hash, error) {
	switch {
	case alg.Algorithm.Equal(OIDSHA256):
		return crypto.SHA256, nil
	case alg.Algorithm.Equal(OIDSHA384):
		return crypto.SHA384, nil
	case alg.Algorithm.Equal(OIDSHA512):
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("unsupported digest algorithm %v", alg.Algorithm)
}

// Explicit0 wraps der in a [0] EXPLICIT tag, ready for a marshalled
// ContentInfo.Content or EncapsulatedContentInfo.EContent.
func Explicit0(der []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: der}
}

// MarshalAttributes returns the DER of attrs as a SET OF Attribute (tag 0x31),
// elements sorted as DER requires. This is the exact byte string a signature
// over signed attributes covers (RFC 5652 §5.4).
func MarshalAttributes(attrs []Attribute) ([]byte, error) {
	elems := make([][]byte, 0, len(attrs))
	for _, a := range attrs {
		b, err := asn1.Marshal(a)
		if err != nil {
			return nil, fmt.Errorf("marshal attribute %v: %w", a.Type, err)
		}
		elems = append(elems, b)
	}
	slices.SortFunc(elems, bytes.Compare)
	return asn1.Marshal(asn1.RawValue{Tag: asn1.TagSet, IsCompound: true, Bytes: bytes.Join(elems, nil)})
}

// Implicit retags a DER SET (0x31) as the context-specific constructed [tag],
// the form signed and unsigned attributes take inside a SignerInfo.
func Implicit(set []byte, tag int) asn1.RawValue {
	b := bytes.Clone(set)
	b[0] = byte(0xa0 | tag)
	return asn1.RawValue{FullBytes: b}
}

// SignedAttrsSET returns the signed attributes of si re-tagged as a SET
// (0x31), the bytes the signature covers. The received bytes are kept as
// they are, so a verifier never signs its own re-encoding.
func SignedAttrsSET(si *SignerInfo) ([]byte, error) {
	if len(si.SignedAttrs.FullBytes) == 0 {
		return nil, errors.New("signer info has no signed attributes")
	}
	b := bytes.Clone(si.SignedAttrs.FullBytes)
	b[0] = 0x31
	return b, nil
}

// ParseAttributes decodes the contents of a [0]/[1] attribute block. It
// rejects repeated attribute types, which RFC 5652 §11 forbids for the
// attributes this project reads.
func ParseAttributes(raw asn1.RawValue) ([]Attribute, error) {
	var attrs []Attribute
	rest := raw.Bytes
	for len(rest) > 0 {
		var a Attribute
		var err error
		rest, err = asn1.Unmarshal(rest, &a)
		if err != nil {
			return nil, fmt.Errorf("parse attribute: %w", err)
		}
		for _, b := range attrs {
			if b.Type.Equal(a.Type) {
				return nil, fmt.Errorf("attribute %v appears twice", a.Type)
			}
		}
		attrs = append(attrs, a)
	}
	return attrs, nil
}

// Find returns the single value of attribute typ, or ok=false if absent.
func Find(attrs []Attribute, typ asn1.ObjectIdentifier) (v asn1.RawValue, ok bool, err error) {
	for _, a := range attrs {
		if a.Type.Equal(typ) {
			if len(a.Values) != 1 {
				return asn1.RawValue{}, true, fmt.Errorf("attribute %v has %d values, want 1", typ, len(a.Values))
			}
			return a.Values[0], true, nil
		}
	}
	return asn1.RawValue{}, false, nil
}

// Value marshals v into a RawValue whose tag fields are filled in as if it
// had been parsed, so built and received values look alike.
func Value(v any) (asn1.RawValue, error) {
	b, err := asn1.Marshal(v)
	if err != nil {
		return asn1.RawValue{}, err
	}
	var rv asn1.RawValue
	if _, err := asn1.Unmarshal(b, &rv); err != nil {
		return asn1.RawValue{}, err
	}
	return rv, nil
}

// Sign signs the DER SET of signed attributes with key, hashing with SHA-256,
// and names the matching signature algorithm.
func Sign(key crypto.Signer, signedAttrsSET []byte) (pkix.AlgorithmIdentifier, []byte, error) {
	var alg pkix.AlgorithmIdentifier
	switch key.Public().(type) {
	case *ecdsa.PublicKey:
		alg = pkix.AlgorithmIdentifier{Algorithm: OIDECDSAWithSHA256}
	case *rsa.PublicKey:
		alg = pkix.AlgorithmIdentifier{Algorithm: OIDSHA256WithRSA, Parameters: asn1.NullRawValue}
	default:
		return alg, nil, fmt.Errorf("unsupported key type %T", key.Public())
	}
	h := sha256.Sum256(signedAttrsSET)
	sig, err := key.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		return alg, nil, fmt.Errorf("sign: %w", err)
	}
	return alg, sig, nil
}

// CheckSignature verifies sig over signed with cert's key. RSA signers may
// name either sha*WithRSAEncryption or plain rsaEncryption, in which case the
// SignerInfo digest algorithm decides the hash.
func CheckSignature(cert *x509.Certificate, digestAlg, sigAlg pkix.AlgorithmIdentifier, signed, sig []byte) error {
	var alg x509.SignatureAlgorithm
	switch a := sigAlg.Algorithm; {
	case a.Equal(OIDECDSAWithSHA256):
		alg = x509.ECDSAWithSHA256
	case a.Equal(OIDECDSAWithSHA384):
		alg = x509.ECDSAWithSHA384
	case a.Equal(OIDECDSAWithSHA512):
		alg = x509.ECDSAWithSHA512
	case a.Equal(OIDSHA256WithRSA):
		alg = x509.SHA256WithRSA
	case a.Equal(OIDSHA384WithRSA):
		alg = x509.SHA384WithRSA
	case a.Equal(OIDSHA512WithRSA):
		alg = x509.SHA512WithRSA
	case a.Equal(OIDRSAEncryption):
		h, err := HashFor(digestAlg)
		if err != nil {
			return err
		}
		alg = map[crypto.Hash]x509.SignatureAlgorithm{
			crypto.SHA256: x509.SHA256WithRSA, crypto.SHA384: x509.SHA384WithRSA, crypto.SHA512: x509.SHA512WithRSA,
		}[h]
	default:
		return fmt.Errorf("unsupported signature algorithm %v", a)
	}
	if err := cert.CheckSignature(alg, signed, sig); err != nil {
		return fmt.Errorf("signature does not verify with %q: %w", cert.Subject.CommonName, err)
	}
	return nil
}

// SID returns the IssuerAndSerialNumber signer identifier of cert.
func SID(cert *x509.Certificate) (asn1.RawValue, error) {
	return Value(IssuerAndSerialNumber{Issuer: asn1.RawValue{FullBytes: cert.RawIssuer}, SerialNumber: cert.SerialNumber})
}

// FindSigner returns the certificate among certs that sid names.
func FindSigner(sid asn1.RawValue, certs []*x509.Certificate) (*x509.Certificate, error) {
	switch {
	case sid.Class == asn1.ClassUniversal && sid.Tag == asn1.TagSequence:
		var ias IssuerAndSerialNumber
		if rest, err := asn1.Unmarshal(sid.FullBytes, &ias); err != nil || len(rest) > 0 {
			return nil, fmt.Errorf("malformed issuerAndSerialNumber: %w", errors.Join(err, trailing(rest)))
		}
		for _, c := range certs {
			if bytes.Equal(c.RawIssuer, ias.Issuer.FullBytes) && c.SerialNumber.Cmp(ias.SerialNumber) == 0 {
				return c, nil
			}
		}
		return nil, fmt.Errorf("signer certificate (serial %x) is not among the included certificates", ias.SerialNumber)
	case sid.Class == asn1.ClassContextSpecific && sid.Tag == 0:
		for _, c := range certs {
			if len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, sid.Bytes) {
				return c, nil
			}
		}
		return nil, fmt.Errorf("signer certificate (key id %x) is not among the included certificates", sid.Bytes)
	}
	return nil, errors.New("unknown signer identifier form")
}

func trailing(rest []byte) error {
	if len(rest) > 0 {
		return errors.New("trailing data")
	}
	return nil
}

// CertificateSet marshals certs as the [0] IMPLICIT CertificateSet of a
// SignedData, DER-sorted.
func CertificateSet(certs []*x509.Certificate) asn1.RawValue {
	raws := make([][]byte, 0, len(certs))
	for _, c := range certs {
		if !slices.ContainsFunc(raws, func(r []byte) bool { return bytes.Equal(r, c.Raw) }) {
			raws = append(raws, c.Raw)
		}
	}
	slices.SortFunc(raws, bytes.Compare)
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: bytes.Join(raws, nil)}
}

// ParseCertificates decodes the certificates of a SignedData, skipping the
// obsolete and attribute-certificate choices of CertificateChoices.
func ParseCertificates(set asn1.RawValue) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := set.Bytes
	for len(rest) > 0 {
		var raw asn1.RawValue
		var err error
		rest, err = asn1.Unmarshal(rest, &raw)
		if err != nil {
			return nil, fmt.Errorf("parse certificate set: %w", err)
		}
		if raw.Class != asn1.ClassUniversal || raw.Tag != asn1.TagSequence {
			continue
		}
		c, err := x509.ParseCertificate(raw.FullBytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate: %w", err)
		}
		certs = append(certs, c)
	}
	return certs, nil
}

// ParseSignedData decodes a ContentInfo holding SignedData. Trailing bytes
// are an error unless allowZeroPadding is set, for signatures read from a
// PDF /Contents string, which is zero-padded to its reserved size.
func ParseSignedData(der []byte, allowZeroPadding bool) (*SignedData, error) {
	var ci ContentInfo
	rest, err := asn1.Unmarshal(der, &ci)
	if err != nil {
		return nil, fmt.Errorf("parse ContentInfo: %w", err)
	}
	if len(rest) > 0 && !(allowZeroPadding && isZero(rest)) {
		return nil, errors.New("trailing data after ContentInfo")
	}
	if !ci.ContentType.Equal(OIDSignedData) {
		return nil, fmt.Errorf("content type is %v, want signedData", ci.ContentType)
	}
	var sd SignedData
	rest, err = asn1.Unmarshal(ci.Content.Bytes, &sd)
	if err != nil {
		return nil, fmt.Errorf("parse SignedData: %w", err)
	}
	if len(rest) > 0 {
		return nil, errors.New("trailing data after SignedData")
	}
	return &sd, nil
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// EContentOctets returns the octets of the encapsulated content, which must
// be a primitive OCTET STRING (DER).
func EContentOctets(eci *EncapsulatedContentInfo) ([]byte, error) {
	if len(eci.EContent.FullBytes) == 0 {
		return nil, errors.New("no encapsulated content")
	}
	var octets []byte
	rest, err := asn1.Unmarshal(eci.EContent.Bytes, &octets)
	if err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("encapsulated content is not one DER OCTET STRING: %w", errors.Join(err, trailing(rest)))
	}
	return octets, nil
}

// NewSignerInfo signs the attributes both our signatures carry — content
// type, message digest and ESS signing-certificate-v2, nothing else (PAdES
// keeps the signing time in the PDF, RFC 3161 in the TSTInfo) — with the
// identity's key, and returns the SignerInfo (version 1, SHA-256).
func NewSignerInfo(cert *x509.Certificate, key crypto.Signer, contentType asn1.ObjectIdentifier, digest []byte) (SignerInfo, error) {
	ct, err := Value(contentType)
	if err != nil {
		return SignerInfo{}, err
	}
	md, err := Value(digest)
	if err != nil {
		return SignerInfo{}, err
	}
	scv2, err := SigningCertificateV2(cert)
	if err != nil {
		return SignerInfo{}, err
	}
	set, err := MarshalAttributes([]Attribute{
		{Type: OIDAttrContentType, Values: []asn1.RawValue{ct}},
		{Type: OIDAttrMessageDigest, Values: []asn1.RawValue{md}},
		scv2,
	})
	if err != nil {
		return SignerInfo{}, err
	}
	sigAlg, sig, err := Sign(key, set)
	if err != nil {
		return SignerInfo{}, err
	}
	sid, err := SID(cert)
	if err != nil {
		return SignerInfo{}, err
	}
	return SignerInfo{
		Version:            1,
		SID:                sid,
		DigestAlgorithm:    SHA256(),
		SignedAttrs:        Implicit(set, 0),
		SignatureAlgorithm: sigAlg,
		Signature:          sig,
	}, nil
}
