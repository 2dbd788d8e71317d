package pki

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/svarsign/svarsign/internal/testenv"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func fixed(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestLoadOrCreateCreatesThenLoads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	a, err := LoadOrCreate(dir, "Eksempel kommune", fixed(t0))
	if err != nil {
		t.Fatal(err)
	}

	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("data folder mode = %v, want 0700", st.Mode().Perm())
	}
	for _, f := range []string{rootKeyFile, sealKeyFile, tsaKeyFile} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", f, st.Mode().Perm())
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 6 {
		t.Errorf("data folder has %d entries, want 6", len(entries))
	}

	b, err := LoadOrCreate(dir, "ignored on load", fixed(t0.Add(24*time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	if !a.Root.Equal(b.Root) {
		t.Error("second LoadOrCreate returned a different root")
	}
	if !a.Seal.Cert.Equal(b.Seal.Cert) || !a.TSA.Cert.Equal(b.TSA.Cert) {
		t.Error("second LoadOrCreate returned different seal or TSA certificates")
	}
	// The loaded root key must still issue certificates that chain.
	id, err := b.IssueSigner("Kari Nordmann", "01010012345", t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := id.Cert.Verify(x509.VerifyOptions{Roots: a.Pool(), CurrentTime: t0}); err != nil {
		t.Errorf("signer issued after reload does not chain to the original root: %v", err)
	}
}

func TestCertificates(t *testing.T) {
	a, err := LoadOrCreate(t.TempDir(), "Eksempel kommune", fixed(t0))
	if err != nil {
		t.Fatal(err)
	}
	r := a.Root
	if !r.IsCA || !r.BasicConstraintsValid || r.MaxPathLen != 0 || !r.MaxPathLenZero {
		t.Errorf("root basic constraints: IsCA=%v MaxPathLen=%d", r.IsCA, r.MaxPathLen)
	}
	if got := r.NotAfter.Sub(t0); got != RootValidity {
		t.Errorf("root valid for %v after now, want %v", got, RootValidity)
	}
	for name, c := range map[string]*x509.Certificate{"root": r, "seal": a.Seal.Cert, "tsa": a.TSA.Cert} {
		s := c.Subject.String()
		if !strings.Contains(s, CAName) || !strings.Contains(s, "Eksempel kommune") {
			t.Errorf("%s subject %q must mention %q and the organisation", name, s, CAName)
		}
		if len(c.SubjectKeyId) != 20 {
			t.Errorf("%s subject key id has %d bytes", name, len(c.SubjectKeyId))
		}
	}
	for name, id := range map[string]Identity{"seal": a.Seal, "tsa": a.TSA} {
		if got := id.Cert.NotAfter.Sub(t0); got != ServiceValidity {
			t.Errorf("%s valid for %v after now, want %v", name, got, ServiceValidity)
		}
		if len(id.Chain) != 1 || !id.Chain[0].Equal(r) {
			t.Errorf("%s chain is not [root]", name)
		}
		if id.Cert.IsCA {
			t.Errorf("%s is a CA", name)
		}
	}
	if a.Seal.Cert.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
		t.Errorf("seal key usage = %b", a.Seal.Cert.KeyUsage)
	}
	if _, err := a.Seal.Cert.Verify(x509.VerifyOptions{Roots: a.Pool(), CurrentTime: t0, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("seal does not chain to root: %v", err)
	}

	tc := a.TSA.Cert
	if len(tc.ExtKeyUsage) != 1 || tc.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping {
		t.Errorf("TSA extended key usage = %v, want [timeStamping]", tc.ExtKeyUsage)
	}
	critical := false
	for _, e := range tc.Extensions {
		if e.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 37}) {
			critical = e.Critical
		}
	}
	if !critical {
		t.Error("TSA extended key usage is not critical")
	}
	if _, err := tc.Verify(x509.VerifyOptions{Roots: a.Pool(), CurrentTime: t0, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}); err != nil {
		t.Errorf("TSA does not chain for timeStamping: %v", err)
	}
}

func TestIssueSigner(t *testing.T) {
	a, err := LoadOrCreate(t.TempDir(), "Eksempel kommune", fixed(t0))
	if err != nil {
		t.Fatal(err)
	}
	now := t0.Add(48 * time.Hour)
	id, err := a.IssueSigner("Kari Nordmann", "01010012345", now)
	if err != nil {
		t.Fatal(err)
	}
	c := id.Cert
	if c.Subject.CommonName != "Kari Nordmann" || c.Subject.SerialNumber != "PNONO-01010012345" {
		t.Errorf("subject = %q", c.Subject)
	}
	if c.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
		t.Errorf("key usage = %b", c.KeyUsage)
	}
	if got := c.NotAfter.Sub(now); got != SignerValidity {
		t.Errorf("valid for %v after issue, want %v", got, SignerValidity)
	}
	if !bytes.Equal(c.AuthorityKeyId, a.Root.SubjectKeyId) {
		t.Error("authority key id does not match the root's subject key id")
	}
	opts := x509.VerifyOptions{Roots: a.Pool(), CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	if _, err := c.Verify(opts); err != nil {
		t.Errorf("signer does not chain: %v", err)
	}
	opts.CurrentTime = now.Add(SignerValidity + time.Minute)
	if _, err := c.Verify(opts); err == nil {
		t.Error("signer certificate still valid after 90 days")
	}
	other, err := a.IssueSigner("Kari Nordmann", "01010012345", now)
	if err != nil {
		t.Fatal(err)
	}
	if other.Cert.SerialNumber.Cmp(c.SerialNumber) == 0 || other.Cert.Equal(c) {
		t.Error("two issues gave the same serial number")
	}

	for _, bad := range []struct{ name, id string }{{"", "01010012345"}, {"A", ""}, {"A", "0101001234x"}} {
		if _, err := a.IssueSigner(bad.name, bad.id, now); err == nil {
			t.Errorf("IssueSigner(%q, %q) succeeded", bad.name, bad.id)
		}
	}
}

func TestLoadRejectsMismatchedKey(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadOrCreate(dir, "Eksempel kommune", fixed(t0)); err != nil {
		t.Fatal(err)
	}
	tsaKey, err := os.ReadFile(filepath.Join(dir, tsaKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, sealKeyFile), tsaKey, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadOrCreate(dir, "Eksempel kommune", fixed(t0))
	if err == nil || !strings.Contains(err.Error(), sealKeyFile) {
		t.Errorf("load with swapped key: err = %v, want one naming %s", err, sealKeyFile)
	}
}

func TestLoadRejectsExpired(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadOrCreate(dir, "Eksempel kommune", fixed(t0)); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(dir, "Eksempel kommune", fixed(t0.Add(ServiceValidity+time.Hour))); err == nil {
		t.Error("loaded an authority whose seal has expired")
	}
}

func TestIncompleteFolderIsRecreated(t *testing.T) {
	dir := t.TempDir()
	// Leftovers of a creation that crashed before the root certificate,
	// which is written last, was in place.
	if err := os.WriteFile(filepath.Join(dir, sealKeyFile), []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := LoadOrCreate(dir, "Eksempel kommune", fixed(t0))
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadOrCreate(dir, "Eksempel kommune", fixed(t0))
	if err != nil {
		t.Fatal(err)
	}
	if !a.Seal.Cert.Equal(b.Seal.Cert) {
		t.Error("seal differs after reload")
	}
}

// TestOpenSSLAcceptsCertificates checks the certificates with an independent
// implementation, including OpenSSL's rules for a TSA certificate (the
// timestampsign purpose requires the critical, sole timeStamping EKU).
func TestOpenSSLAcceptsCertificates(t *testing.T) {
	testenv.NeedCommand(t, "openssl", "apt-get install openssl")
	dir := t.TempDir()
	if _, err := LoadOrCreate(dir, "Eksempel kommune", time.Now); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, rootCertFile)
	for _, c := range []struct{ file, purpose string }{
		{tsaCertFile, "timestampsign"},
		{sealCertFile, "any"},
	} {
		out, err := exec.Command("openssl", "verify", "-CAfile", root, "-purpose", c.purpose, filepath.Join(dir, c.file)).CombinedOutput()
		t.Logf("openssl verify -purpose %s %s: %s", c.purpose, c.file, out)
		if err != nil {
			t.Errorf("openssl rejects %s: %v", c.file, err)
		}
	}
	// The seal has no timeStamping EKU, so OpenSSL must refuse it as a TSA.
	if out, err := exec.Command("openssl", "verify", "-CAfile", root, "-purpose", "timestampsign", filepath.Join(dir, sealCertFile)).CombinedOutput(); err == nil {
		t.Errorf("openssl accepts the seal as a TSA: %s", out)
	}
}
