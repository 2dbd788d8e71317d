// Package tsa is an RFC 3161 time-stamp authority that issues tokens in
// process, and the verification of time-stamp tokens.
//
// The signing service uses it for the signature time stamp of PAdES B-T
// signatures. Issuing happens in-process (no HTTP), so Timestamp returns the
// TimeStampToken itself rather than a TimeStampResp.
package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/svarsign/svarsign/server/internal/cmsasn"
	"github.com/svarsign/svarsign/server/pki"
)

// PolicyOID is the TSA policy the tokens name. svarsign has no registered
// enterprise number, so its arc is the UUID-derived OID (ITU-T X.667)
// 2.25.41410577114467118103842232590124324892, from UUID
// 1f276315-9267-4ccb-bb7d-46bb4a9a181c; under it .1 is time-stamping and
// .1.1 this local test policy: accuracy one second, no ordering, clock of
// the host.
const PolicyOID = "2.25.41410577114467118103842232590124324892.1.1"

// Authority issues time-stamp tokens with one identity.
type Authority struct {
	id  pki.Identity
	now func() time.Time
}

// New returns an authority that signs with id and reads time from now.
// id.Cert should carry the critical timeStamping extended key usage, or
// verifiers will reject the tokens.
func New(id pki.Identity, now func() time.Time) *Authority {
	return &Authority{id: id, now: now}
}

// tstInfo is RFC 3161 §2.4.2 TSTInfo. Policy is raw because UUID-derived
// OIDs have arcs beyond what asn1.ObjectIdentifier holds.
type tstInfo struct {
	Version        int
	Policy         asn1.RawValue
	MessageImprint messageImprint
	SerialNumber   *big.Int
	GenTime        time.Time        `asn1:"generalized"`
	Accuracy       accuracy         `asn1:"optional"`
	Ordering       bool             `asn1:"optional"`
	Nonce          *big.Int         `asn1:"optional"`
	TSA            asn1.RawValue    `asn1:"optional,explicit,tag:0"`
	Extensions     []pkix.Extension `asn1:"optional,tag:1"`
}

type messageImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

type accuracy struct {
	Seconds int `asn1:"optional"`
	Millis  int `asn1:"optional,tag:0"`
	Micros  int `asn1:"optional,tag:1"`
}

// Timestamp returns a DER TimeStampToken over messageImprint, a SHA-256
// digest. The token is a ContentInfo/SignedData with eContentType
// id-ct-TSTInfo, signed attributes content-type, message-digest and ESS
// signing-certificate-v2, and the TSA certificate with its chain.
func (a *Authority) Timestamp(ctx context.Context, messageImprint []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("tsa: %w", err)
	}
	if len(messageImprint) != crypto.SHA256.Size() {
		return nil, fmt.Errorf("tsa: message imprint is %d bytes, want a SHA-256 digest", len(messageImprint))
	}
	if a.id.Cert == nil || a.id.Key == nil {
		return nil, errors.New("tsa: authority has no certificate or key")
	}
	genTime := a.now().UTC().Truncate(time.Second)
	if genTime.Before(a.id.Cert.NotBefore) || genTime.After(a.id.Cert.NotAfter) {
		return nil, fmt.Errorf("tsa: certificate is not valid at %s", genTime.Format(time.RFC3339))
	}
	tst, err := a.tstInfo(messageImprint, genTime)
	if err != nil {
		return nil, fmt.Errorf("tsa: %w", err)
	}
	tok, err := a.sign(tst)
	if err != nil {
		return nil, fmt.Errorf("tsa: %w", err)
	}
	return tok, nil
}

func (a *Authority) tstInfo(imprint []byte, genTime time.Time) ([]byte, error) {
	oid, err := x509.ParseOID(PolicyOID)
	if err != nil {
		return nil, fmt.Errorf("policy OID: %w", err)
	}
	policy, err := oid.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("policy OID: %w", err)
	}
	// A random 128-bit serial is unique without any shared counter.
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("serial number: %w", err)
	}
	// The tsa field names the TSA as a directoryName GeneralName; verifiers
	// such as OpenSSL check that it matches the signing certificate.
	tsaName, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: a.id.Cert.RawSubject})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(tstInfo{
		Version:        1,
		Policy:         asn1.RawValue{Tag: asn1.TagOID, Bytes: policy},
		MessageImprint: messageImprint{HashAlgorithm: cmsasn.SHA256(), HashedMessage: imprint},
		SerialNumber:   serial.Add(serial, big.NewInt(1)),
		GenTime:        genTime,
		Accuracy:       accuracy{Seconds: 1},
		TSA:            cmsasn.Explicit0(tsaName),
	})
}

func (a *Authority) sign(tst []byte) ([]byte, error) {
	h := crypto.SHA256.New()
	h.Write(tst)
	si, err := cmsasn.NewSignerInfo(a.id.Cert, a.id.Key, cmsasn.OIDTSTInfo, h.Sum(nil))
	if err != nil {
		return nil, err
	}
	econtent, err := asn1.Marshal(tst)
	if err != nil {
		return nil, err
	}
	sd, err := asn1.Marshal(cmsasn.SignedData{
		Version:          3, // eContentType is not id-data (RFC 5652 §5.1)
		DigestAlgorithms: []pkix.AlgorithmIdentifier{cmsasn.SHA256()},
		EncapContentInfo: cmsasn.EncapsulatedContentInfo{EContentType: cmsasn.OIDTSTInfo, EContent: cmsasn.Explicit0(econtent)},
		Certificates:     cmsasn.CertificateSet(append([]*x509.Certificate{a.id.Cert}, a.id.Chain...)),
		SignerInfos:      []cmsasn.SignerInfo{si},
	})
	if err != nil {
		return nil, fmt.Errorf("marshal SignedData: %w", err)
	}
	return asn1.Marshal(cmsasn.ContentInfo{ContentType: cmsasn.OIDSignedData, Content: cmsasn.Explicit0(sd)})
}

var oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}

// Verify checks a DER TimeStampToken: that it time-stamps messageImprint (a
// SHA-256 digest), that the TSA's signature and ESS signing-certificate
// attribute hold, and that the TSA certificate chains to roots at genTime
// with the timeStamping extended key usage (critical and alone, RFC 3161
// §2.3). It returns the time of the stamp and the TSA certificate.
func Verify(token []byte, messageImprint []byte, roots *x509.CertPool) (genTime time.Time, tsaCert *x509.Certificate, err error) {
	tst, cert, err := verify(token, messageImprint, roots)
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("tsa: verify token: %w", err)
	}
	return tst.GenTime, cert, nil
}

func verify(token, imprint []byte, roots *x509.CertPool) (*tstInfo, *x509.Certificate, error) {
	sd, err := cmsasn.ParseSignedData(token, false)
	if err != nil {
		return nil, nil, err
	}
	if !sd.EncapContentInfo.EContentType.Equal(cmsasn.OIDTSTInfo) {
		return nil, nil, fmt.Errorf("content type is %v, want id-ct-TSTInfo", sd.EncapContentInfo.EContentType)
	}
	econtent, err := cmsasn.EContentOctets(&sd.EncapContentInfo)
	if err != nil {
		return nil, nil, fmt.Errorf("TSTInfo: %w", err)
	}
	var tst tstInfo
	if rest, err := asn1.Unmarshal(econtent, &tst); err != nil || len(rest) > 0 {
		return nil, nil, fmt.Errorf("malformed TSTInfo: %w", errors.Join(err, trailingErr(rest)))
	}
	if tst.Version != 1 {
		return nil, nil, fmt.Errorf("TSTInfo version %d, want 1", tst.Version)
	}
	mi := tst.MessageImprint
	if !mi.HashAlgorithm.Algorithm.Equal(cmsasn.OIDSHA256) {
		return nil, nil, fmt.Errorf("message imprint algorithm is %v, want SHA-256", mi.HashAlgorithm.Algorithm)
	}
	if !bytes.Equal(mi.HashedMessage, imprint) {
		return nil, nil, errors.New("message imprint does not match")
	}

	if len(sd.SignerInfos) != 1 {
		return nil, nil, fmt.Errorf("token has %d signer infos, want 1", len(sd.SignerInfos))
	}
	si := &sd.SignerInfos[0]
	hash, err := cmsasn.HashFor(si.DigestAlgorithm)
	if err != nil {
		return nil, nil, err
	}
	h := hash.New()
	h.Write(econtent)
	certs, err := cmsasn.ParseCertificates(sd.Certificates)
	if err != nil {
		return nil, nil, err
	}
	signer, err := cmsasn.VerifySignerInfo(si, certs, cmsasn.OIDTSTInfo, h.Sum(nil))
	if err != nil {
		return nil, nil, err
	}
	cert := signer.Cert
	// RFC 3161 §2.4.1 and RFC 5816: one of the ESS signing-certificate
	// attributes must identify the TSA certificate.
	if v, ok, err := cmsasn.Find(signer.SignedAttrs, cmsasn.OIDAttrSigningCertificateV2); err != nil {
		return nil, nil, err
	} else if ok {
		if err := cmsasn.CheckSigningCertificateV2(v, cert); err != nil {
			return nil, nil, err
		}
	} else if v, ok, err := cmsasn.Find(signer.SignedAttrs, cmsasn.OIDAttrSigningCertificate); err != nil {
		return nil, nil, err
	} else if ok {
		if err := cmsasn.CheckSigningCertificate(v, cert); err != nil {
			return nil, nil, err
		}
	} else {
		return nil, nil, errors.New("no ESS signing-certificate attribute")
	}

	if err := checkTSACert(cert); err != nil {
		return nil, nil, err
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
		CurrentTime:   tst.GenTime,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
	}); err != nil {
		return nil, nil, fmt.Errorf("TSA certificate %q: %w", cert.Subject.CommonName, err)
	}
	return &tst, cert, nil
}

func checkTSACert(cert *x509.Certificate) error {
	if !slices.Equal(cert.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}) || len(cert.UnknownExtKeyUsage) > 0 {
		return fmt.Errorf("TSA certificate %q must have exactly the timeStamping extended key usage", cert.Subject.CommonName)
	}
	for _, e := range cert.Extensions {
		if e.Id.Equal(oidExtKeyUsage) && !e.Critical {
			return fmt.Errorf("TSA certificate %q has a non-critical extended key usage", cert.Subject.CommonName)
		}
	}
	return nil
}

func trailingErr(rest []byte) error {
	if len(rest) > 0 {
		return errors.New("trailing data")
	}
	return nil
}
