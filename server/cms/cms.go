// Package cms creates and verifies the CAdES detached signatures that PAdES
// embeds in a PDF (SubFilter ETSI.CAdES.detached, ETSI EN 319 142-1).
//
// The caller hashes the PDF byte ranges with SHA-256 and passes the digest;
// this package never sees the PDF. Signed attributes are exactly
// content-type, message-digest and ESS signing-certificate-v2. There is no
// signing-time attribute: PAdES baseline keeps the claimed time in the
// signature dictionary's /M, and the trusted time comes from the signature
// time stamp (level B-T), an unsigned attribute over the signature value.
package cms

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/svarsign/svarsign/server/internal/cmsasn"
	"github.com/svarsign/svarsign/server/pki"
	"github.com/svarsign/svarsign/server/tsa"
)

// Options adjust SignDetached.
type Options struct {
	// TimeStamp returns a DER TimeStampToken over imprint, a SHA-256
	// digest; (*tsa.Authority).Timestamp fits. If nil, the signature has
	// no time stamp (PAdES B-B).
	TimeStamp func(ctx context.Context, imprint []byte) ([]byte, error)
}

// SignDetached returns a DER ContentInfo holding a detached SignedData over
// contentDigest, the SHA-256 digest of the signed content. The certificates
// included are id.Cert and id.Chain.
func SignDetached(ctx context.Context, contentDigest []byte, id pki.Identity, opts Options) ([]byte, error) {
	if len(contentDigest) != sha256.Size {
		return nil, fmt.Errorf("cms: content digest is %d bytes, want a SHA-256 digest", len(contentDigest))
	}
	if id.Cert == nil || id.Key == nil {
		return nil, errors.New("cms: identity has no certificate or key")
	}
	der, err := signDetached(ctx, contentDigest, id, opts)
	if err != nil {
		return nil, fmt.Errorf("cms: %w", err)
	}
	return der, nil
}

func signDetached(ctx context.Context, digest []byte, id pki.Identity, opts Options) ([]byte, error) {
	si, err := cmsasn.NewSignerInfo(id.Cert, id.Key, cmsasn.OIDData, digest)
	if err != nil {
		return nil, err
	}
	if opts.TimeStamp != nil {
		imprint := sha256.Sum256(si.Signature)
		tok, err := opts.TimeStamp(ctx, imprint[:])
		if err != nil {
			return nil, fmt.Errorf("time stamp: %w", err)
		}
		var probe asn1.RawValue
		if rest, err := asn1.Unmarshal(tok, &probe); err != nil || len(rest) > 0 || probe.Tag != asn1.TagSequence {
			return nil, errors.New("time stamp: token is not a single DER SEQUENCE")
		}
		unsigned, err := cmsasn.MarshalAttributes([]cmsasn.Attribute{
			{Type: cmsasn.OIDAttrTimeStampToken, Values: []asn1.RawValue{{FullBytes: tok}}},
		})
		if err != nil {
			return nil, err
		}
		si.UnsignedAttrs = cmsasn.Implicit(unsigned, 1)
	}
	sd, err := asn1.Marshal(cmsasn.SignedData{
		Version:          1,
		DigestAlgorithms: []pkix.AlgorithmIdentifier{cmsasn.SHA256()},
		EncapContentInfo: cmsasn.EncapsulatedContentInfo{EContentType: cmsasn.OIDData},
		Certificates:     cmsasn.CertificateSet(append([]*x509.Certificate{id.Cert}, id.Chain...)),
		SignerInfos:      []cmsasn.SignerInfo{si},
	})
	if err != nil {
		return nil, fmt.Errorf("marshal SignedData: %w", err)
	}
	return asn1.Marshal(cmsasn.ContentInfo{ContentType: cmsasn.OIDSignedData, Content: cmsasn.Explicit0(sd)})
}

// Result describes a verified signature.
type Result struct {
	Signer          *x509.Certificate
	SigningCertV2OK bool      // ESS signing-certificate-v2 present and matching Signer
	TimeStamp       time.Time // genTime of the signature time stamp; zero if none
	TSA             *x509.Certificate
}

// Verify checks a detached CMS signature (as read from a PDF /Contents;
// trailing zero padding is allowed) against contentDigest, the SHA-256 of
// the signed byte ranges. It checks the message-digest attribute, the
// signature over the DER SET of signed attributes, the ESS
// signing-certificate-v2 attribute if present, the signature time stamp if
// present, and that the signer chains to roots with key usage
// digitalSignature or contentCommitment.
//
// The signer certificate must be fit for signing documents, see
// CheckSignerUsage.
//
// The chain is checked at the time stamp's genTime when there is one, since
// the stamp proves the signature existed then; otherwise at the current
// time. Revocation is not checked.
func Verify(der []byte, contentDigest []byte, roots *x509.CertPool) (*Result, error) {
	r, err := verify(der, contentDigest, roots, time.Now)
	if err != nil {
		return nil, fmt.Errorf("cms: verify: %w", err)
	}
	return r, nil
}

func verify(der, digest []byte, roots *x509.CertPool, now func() time.Time) (*Result, error) {
	sd, err := cmsasn.ParseSignedData(der, true)
	if err != nil {
		return nil, err
	}
	if !sd.EncapContentInfo.EContentType.Equal(cmsasn.OIDData) {
		return nil, fmt.Errorf("encapsulated content type is %v, want id-data", sd.EncapContentInfo.EContentType)
	}
	if len(sd.EncapContentInfo.EContent.FullBytes) > 0 {
		return nil, errors.New("signature is not detached: it encapsulates content")
	}
	if len(sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("%d signer infos, want 1", len(sd.SignerInfos))
	}
	si := &sd.SignerInfos[0]
	if h, err := cmsasn.HashFor(si.DigestAlgorithm); err != nil || h != crypto.SHA256 {
		return nil, fmt.Errorf("signer digest algorithm is %v, want SHA-256", si.DigestAlgorithm.Algorithm)
	}
	certs, err := cmsasn.ParseCertificates(sd.Certificates)
	if err != nil {
		return nil, err
	}
	signer, err := cmsasn.VerifySignerInfo(si, certs, cmsasn.OIDData, digest)
	if err != nil {
		return nil, err
	}
	res := &Result{Signer: signer.Cert}

	if v, ok, err := cmsasn.Find(signer.SignedAttrs, cmsasn.OIDAttrSigningCertificateV2); err != nil {
		return nil, err
	} else if ok {
		if err := cmsasn.CheckSigningCertificateV2(v, signer.Cert); err != nil {
			return nil, err
		}
		res.SigningCertV2OK = true
	}

	if len(si.UnsignedAttrs.FullBytes) > 0 {
		unsigned, err := cmsasn.ParseAttributes(si.UnsignedAttrs)
		if err != nil {
			return nil, fmt.Errorf("unsigned attributes: %w", err)
		}
		if tok, ok, err := cmsasn.Find(unsigned, cmsasn.OIDAttrTimeStampToken); err != nil {
			return nil, fmt.Errorf("signature time stamp: %w", err)
		} else if ok {
			imprint := sha256.Sum256(si.Signature)
			res.TimeStamp, res.TSA, err = tsa.Verify(tok.FullBytes, imprint[:], roots)
			if err != nil {
				return nil, fmt.Errorf("signature time stamp: %w", err)
			}
		}
	}

	at := res.TimeStamp
	if at.IsZero() {
		at = now()
	}
	if err := checkSignerCert(signer.Cert, certs, roots, at); err != nil {
		return nil, err
	}
	return res, nil
}

func checkSignerCert(cert *x509.Certificate, certs []*x509.Certificate, roots *x509.CertPool, at time.Time) error {
	if err := CheckSignerUsage(cert); err != nil {
		return err
	}
	inter := x509.NewCertPool()
	for _, c := range certs {
		if c != cert {
			inter.AddCert(c)
		}
	}
	if _, err := cert.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		return fmt.Errorf("signer certificate %q at %s: %w", cert.Subject.CommonName, at.UTC().Format(time.RFC3339), err)
	}
	return nil
}

// Extended key usages fit for signing documents, besides emailProtection
// and anyExtendedKeyUsage, which crypto/x509 knows by name.
var (
	oidEKUDocumentSigning    = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}       // id-kp-documentSigning, RFC 9336
	oidEKUAdobeAuthenticDocs = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 5}       // Adobe Authentic Documents Trust
	oidEKUMSDocumentSigning  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 3, 12} // Microsoft document signing
)

// CheckSignerUsage refuses a signer certificate that is not meant for
// signing documents: its key usage must include digitalSignature or
// nonRepudiation (contentCommitment), and its extended key usage, if it has
// one, must allow any purpose, e-mail protection (S/MIME, which
// `openssl cms -verify` requires) or document signing. A certificate made
// for another purpose only — a time-stamping, TLS or code-signing
// certificate — must not be able to sign a contract.
func CheckSignerUsage(cert *x509.Certificate) error {
	cn := cert.Subject.CommonName
	if cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return fmt.Errorf("signer certificate %q: key usage allows neither digitalSignature nor nonRepudiation", cn)
	}
	if len(cert.ExtKeyUsage) == 0 && len(cert.UnknownExtKeyUsage) == 0 {
		return nil
	}
	for _, u := range cert.ExtKeyUsage {
		if u == x509.ExtKeyUsageAny || u == x509.ExtKeyUsageEmailProtection {
			return nil
		}
	}
	for _, o := range cert.UnknownExtKeyUsage {
		if o.Equal(oidEKUDocumentSigning) || o.Equal(oidEKUAdobeAuthenticDocs) || o.Equal(oidEKUMSDocumentSigning) {
			return nil
		}
	}
	return fmt.Errorf("signer certificate %q: extended key usage is unsuitable for signing documents (%s)", cn, ekuNames(cert))
}

func ekuNames(cert *x509.Certificate) string {
	names := map[x509.ExtKeyUsage]string{
		x509.ExtKeyUsageServerAuth: "serverAuth", x509.ExtKeyUsageClientAuth: "clientAuth",
		x509.ExtKeyUsageCodeSigning: "codeSigning", x509.ExtKeyUsageTimeStamping: "timeStamping",
		x509.ExtKeyUsageOCSPSigning: "OCSPSigning",
	}
	var s []string
	for _, u := range cert.ExtKeyUsage {
		if n, ok := names[u]; ok {
			s = append(s, n)
		} else {
			s = append(s, fmt.Sprintf("usage %d", u))
		}
	}
	for _, o := range cert.UnknownExtKeyUsage {
		s = append(s, o.String())
	}
	return strings.Join(s, ", ")
}
