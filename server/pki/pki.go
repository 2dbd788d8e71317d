// Package pki is the local signing provider's own small certificate
// authority: a root, the service's seal, a time-stamping identity, and
// short-lived certificates for individual signers.
//
// It exists so that development and self-hosted test setups produce real,
// verifiable PAdES signatures without a commercial CA. Every subject names
// "svarsign local test CA" so that nobody mistakes its output for a qualified
// signature. Keys live in PEM files in a data folder chosen by the operator,
// never in the repository.
//
// All keys are ECDSA P-256. The root signs every certificate directly, so
// each Identity.Chain is just the root.
package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/svarsign/svarsign/internal/filelock"
)

// CAName appears in every subject this package issues to its own
// identities, marking them as test material.
const CAName = "svarsign local test CA"

// Validity periods.
const (
	RootValidity    = 10 * 365 * 24 * time.Hour
	ServiceValidity = 5 * 365 * 24 * time.Hour
	SignerValidity  = 90 * 24 * time.Hour

	// backdate moves NotBefore into the past so that a verifier whose clock
	// is slightly behind ours still accepts a certificate issued just now.
	backdate = time.Hour
)

// Identity is a certificate with its private key and issuer chain.
type Identity struct {
	Cert  *x509.Certificate
	Key   crypto.Signer
	Chain []*x509.Certificate // issuer chain up to and including the root
}

// Authority is the local CA with the service's own identities.
type Authority struct {
	Root *x509.Certificate
	Seal Identity // the service's seal, for authenticated signatures
	TSA  Identity // time-stamping: EKU id-kp-timeStamping, critical

	rootKey crypto.Signer
}

// Files in the data folder. rootCertFile is written last on creation, so its
// presence means the folder is complete.
const (
	rootCertFile = RootCertFile
	rootKeyFile  = "root-key.pem"
	sealCertFile = "seal-cert.pem"
	sealKeyFile  = "seal-key.pem"
	tsaCertFile  = "tsa-cert.pem"
	tsaKeyFile   = "tsa-key.pem"
)

var oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}

// LoadOrCreate loads the authority from dir, or creates dir (mode 0700) and
// a new authority in it if it holds no root certificate yet. Keys are written
// with mode 0600. now is the clock used for validity periods and checks;
// orgName is used only when creating.
//
// Processes sharing dir take turns through the lock file dir+".lock", so
// that of several starting together on a fresh folder one creates the
// authority and the others load it, instead of each writing its own.
func LoadOrCreate(dir, orgName string, now func() time.Time) (*Authority, error) {
	if orgName == "" {
		return nil, errors.New("pki: organisation name is empty")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pki: create data folder: %w", err)
	}
	unlock, err := filelock.Lock(context.Background(), filepath.Clean(dir)+".lock")
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	defer unlock()
	_, err = os.Stat(filepath.Join(dir, rootCertFile))
	switch {
	case err == nil:
		a, err := load(dir, now())
		if err != nil {
			return nil, fmt.Errorf("pki: load %s: %w", dir, err)
		}
		return a, nil
	case errors.Is(err, fs.ErrNotExist):
		a, err := create(dir, orgName, now())
		if err != nil {
			return nil, fmt.Errorf("pki: create in %s: %w", dir, err)
		}
		return a, nil
	default:
		return nil, fmt.Errorf("pki: %w", err)
	}
}

func create(dir, orgName string, now time.Time) (*Authority, error) {
	// The folder may have existed before (an empty volume, say); it is
	// about to hold private keys.
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, err
	}
	rootKey, err := newKey()
	if err != nil {
		return nil, err
	}
	rootTmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: CAName + " root", Organization: []string{orgName}, OrganizationalUnit: []string{CAName}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(RootValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	root, err := issue(rootTmpl, nil, rootKey, rootKey)
	if err != nil {
		return nil, fmt.Errorf("root: %w", err)
	}
	a := &Authority{Root: root, rootKey: rootKey}

	if a.Seal, err = a.issueService(orgName+" seal", now, x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment, nil); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	if err != nil {
		return nil, err
	}
	// RFC 3161 §2.3: the TSA certificate has exactly the timeStamping
	// extended key usage, marked critical. crypto/x509 would write it
	// non-critical, so the extension is supplied whole.
	critEKU := []pkix.Extension{{Id: oidExtKeyUsage, Critical: true, Value: eku}}
	if a.TSA, err = a.issueService(orgName+" time-stamping", now, x509.KeyUsageDigitalSignature, critEKU); err != nil {
		return nil, fmt.Errorf("time-stamping: %w", err)
	}

	for _, f := range []struct {
		name string
		cert *x509.Certificate
		key  crypto.Signer
	}{
		{sealKeyFile, nil, a.Seal.Key}, {sealCertFile, a.Seal.Cert, nil},
		{tsaKeyFile, nil, a.TSA.Key}, {tsaCertFile, a.TSA.Cert, nil},
		{rootKeyFile, nil, rootKey}, {rootCertFile, root, nil},
	} {
		if err := writePEM(filepath.Join(dir, f.name), f.cert, f.key); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func (a *Authority) issueService(cn string, now time.Time, ku x509.KeyUsage, ext []pkix.Extension) (Identity, error) {
	org := a.Root.Subject.Organization
	tmpl := &x509.Certificate{
		Subject:         pkix.Name{CommonName: cn, Organization: org, OrganizationalUnit: []string{CAName}},
		NotBefore:       now.Add(-backdate),
		NotAfter:        now.Add(ServiceValidity),
		KeyUsage:        ku,
		ExtraExtensions: ext,
	}
	return a.issueIdentity(tmpl)
}

func (a *Authority) issueIdentity(tmpl *x509.Certificate) (Identity, error) {
	key, err := newKey()
	if err != nil {
		return Identity{}, err
	}
	// Nothing may outlive the root.
	if tmpl.NotAfter.After(a.Root.NotAfter) {
		tmpl.NotAfter = a.Root.NotAfter
	}
	tmpl.BasicConstraintsValid = true
	cert, err := issue(tmpl, a.Root, key, a.rootKey)
	if err != nil {
		return Identity{}, err
	}
	return Identity{Cert: cert, Key: key, Chain: []*x509.Certificate{a.Root}}, nil
}

// IssueSigner creates a fresh key and a 90-day certificate for one signer of
// an advanced signature. The subject is CN=name, C=NO and serialNumber
// "PNONO-" + nationalID: the ETSI EN 319 412-1 §5.1.3 semantics identifier
// for a national personal number (PNO) from Norway (NO). Note that this puts
// the national identity number into every signed PDF.
func (a *Authority) IssueSigner(name, nationalID string, now time.Time) (Identity, error) {
	if name == "" {
		return Identity{}, errors.New("pki: signer name is empty")
	}
	if !digitsOnly(nationalID) {
		return Identity{}, errors.New("pki: national identity number must be digits only")
	}
	if a.rootKey == nil {
		return Identity{}, errors.New("pki: authority has no root key")
	}
	tmpl := &x509.Certificate{
		Subject:   pkix.Name{CommonName: name, SerialNumber: "PNONO-" + nationalID, Country: []string{"NO"}},
		NotBefore: now.Add(-backdate),
		NotAfter:  now.Add(SignerValidity),
		KeyUsage:  x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	id, err := a.issueIdentity(tmpl)
	if err != nil {
		return Identity{}, fmt.Errorf("pki: issue signer certificate: %w", err)
	}
	return id, nil
}

// Pool returns a pool holding the root, for verification.
func (a *Authority) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(a.Root)
	return p
}

func digitsOnly(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func newKey() (*ecdsa.PrivateKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return k, nil
}

// issue signs tmpl with signerKey; parent nil means self-signed. It fills in
// a random serial and the subject key identifier (RFC 7093 §2 method 1:
// leftmost 160 bits of SHA-256 of the public key bits).
func issue(tmpl, parent *x509.Certificate, key, signerKey crypto.Signer) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("serial number: %w", err)
	}
	tmpl.SerialNumber = serial.Add(serial, big.NewInt(1)) // positive, never zero
	spki, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, fmt.Errorf("marshal public key: %w", err)
	}
	var info struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(spki, &info); err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	ski := sha256.Sum256(info.PublicKey.Bytes)
	tmpl.SubjectKeyId = ski[:20]
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signerKey)
	if err != nil {
		return nil, fmt.Errorf("create certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}

// writePEM writes a certificate (mode 0644) or a PKCS #8 key (mode 0600)
// through a temporary file and rename, so a crash never leaves half a file.
func writePEM(path string, cert *x509.Certificate, key crypto.Signer) error {
	var block *pem.Block
	mode := os.FileMode(0o644)
	if cert != nil {
		block = &pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}
	} else {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return fmt.Errorf("marshal key for %s: %w", filepath.Base(path), err)
		}
		block = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
		mode = 0o600
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	err = pem.Encode(f, block)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}

func load(dir string, now time.Time) (*Authority, error) {
	root, rootKey, err := loadPair(dir, rootCertFile, rootKeyFile)
	if err != nil {
		return nil, err
	}
	if err := root.CheckSignatureFrom(root); err != nil || !root.IsCA {
		return nil, fmt.Errorf("%s is not a self-signed CA certificate: %w", rootCertFile, err)
	}
	a := &Authority{Root: root, rootKey: rootKey}
	for _, s := range []struct {
		certFile, keyFile string
		id                *Identity
	}{
		{sealCertFile, sealKeyFile, &a.Seal},
		{tsaCertFile, tsaKeyFile, &a.TSA},
	} {
		cert, key, err := loadPair(dir, s.certFile, s.keyFile)
		if err != nil {
			return nil, err
		}
		if err := cert.CheckSignatureFrom(root); err != nil {
			return nil, fmt.Errorf("%s is not issued by the root: %w", s.certFile, err)
		}
		*s.id = Identity{Cert: cert, Key: key, Chain: []*x509.Certificate{root}}
	}
	for name, c := range map[string]*x509.Certificate{rootCertFile: root, sealCertFile: a.Seal.Cert, tsaCertFile: a.TSA.Cert} {
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			return nil, fmt.Errorf("%s is not valid now (valid %s to %s); move the data folder away to create a new CA",
				name, c.NotBefore.Format(time.RFC3339), c.NotAfter.Format(time.RFC3339))
		}
	}
	return a, nil
}

func loadPair(dir, certFile, keyFile string) (*x509.Certificate, crypto.Signer, error) {
	der, err := readPEM(filepath.Join(dir, certFile), "CERTIFICATE")
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parse %s: %w", certFile, err)
	}
	der, err = readPEM(filepath.Join(dir, keyFile), "PRIVATE KEY")
	if err != nil {
		return nil, nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parse %s: %w", keyFile, err)
	}
	key, ok := k.(crypto.Signer)
	if !ok {
		return nil, nil, fmt.Errorf("%s: key type %T cannot sign", keyFile, k)
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", keyFile, err)
	}
	if !bytes.Equal(pub, cert.RawSubjectPublicKeyInfo) {
		return nil, nil, fmt.Errorf("%s does not belong to %s", keyFile, certFile)
	}
	return cert, key, nil
}

func readPEM(path, typ string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != typ {
		return nil, fmt.Errorf("%s: no %s PEM block", filepath.Base(path), typ)
	}
	return block.Bytes, nil
}

// RootCertFile is the name of the root certificate in the CA folder; it is
// what a verifier trusts.
const RootCertFile = "root-cert.pem"

// LoadPool reads the PEM certificates of a file into a pool, e.g. the root
// of a CA folder or a trust root given to `svarsign verify --trust`.
func LoadPool(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading trust roots: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s holds no PEM certificates", path)
	}
	return pool, nil
}
