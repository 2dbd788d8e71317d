// Package local is the embedded signing provider: it signs with the
// service's own small CA (created on first start under the data folder) and
// its own RFC 3161 time-stamp authority, so svarsign works end to end with
// no outside service.
//
// Each signing adds, as incremental updates that leave the original bytes
// untouched, a front page describing the signing (like Posten's signed
// documents) and one PAdES baseline B-T signature: SubFilter
// ETSI.CAdES.detached, SHA-256, ESS signing-certificate-v2, time in /M and a
// signature time-stamp token. An authenticated signature is sealed with the
// service's certificate, naming the identified citizen in the signature
// dictionary; an advanced signature uses a certificate issued for the
// signer.
package local

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"
	_ "time/tzdata" // Europe/Oslo on machines without a zoneinfo database

	"github.com/svarsign/svarsign/server/cms"
	"github.com/svarsign/svarsign/server/pdfsign"
	"github.com/svarsign/svarsign/server/pki"
	"github.com/svarsign/svarsign/server/provider"
	"github.com/svarsign/svarsign/server/tsa"
)

// Provider signs with the local CA.
type Provider struct {
	ca     *pki.Authority
	tsa    *tsa.Authority
	now    func() time.Time
	tmpDir string
	oslo   *time.Location
}

var _ provider.Provider = (*Provider)(nil)

// Config is what the provider needs. Dir is required.
type Config struct {
	// Dir holds the CA, created there on first use.
	Dir string
	// OrgName is the service's organisation, named in the CA's certificates.
	OrgName string
	// TmpDir holds the intermediate file of each signing; "" means the
	// system's.
	TmpDir string
	// Now is the service's clock: signing times, time stamps and the
	// validity of the certificates issued. Default time.Now.
	Now func() time.Time
}

// Open loads the CA from cfg.Dir, creating it on first use.
func Open(cfg Config) (*Provider, error) {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	ca, err := pki.LoadOrCreate(cfg.Dir, cfg.OrgName, now)
	if err != nil {
		return nil, fmt.Errorf("local provider: %w", err)
	}
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		return nil, fmt.Errorf("local provider: %w", err)
	}
	return &Provider{ca: ca, tsa: tsa.New(ca.TSA, now), now: now, tmpDir: cfg.TmpDir, oslo: oslo}, nil
}

// Authority is the CA, whose root verifies what this provider signed.
func (p *Provider) Authority() *pki.Authority { return p.ca }

// Name implements provider.Provider.
func (p *Provider) Name() string { return "svarsign-local" }

// Check implements provider.Provider.
func (p *Provider) Check(src io.ReaderAt, size int64) error { return pdfsign.Check(src, size) }

// Sign implements provider.Provider.
func (p *Provider) Sign(ctx context.Context, dst io.Writer, req provider.Request) (*provider.Evidence, error) {
	if err := pdfsign.Check(req.Document, req.Size); err != nil {
		return nil, fmt.Errorf("local provider: document cannot be signed: %w", err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(req.Document, 0, req.Size)); err != nil {
		return nil, fmt.Errorf("local provider: reading document: %w", err)
	}
	original := hex.EncodeToString(h.Sum(nil))
	now := p.now()

	var id pki.Identity
	switch req.Type {
	case provider.Authenticated:
		id = p.ca.Seal
	case provider.Advanced:
		var err error
		if id, err = p.ca.IssueSigner(req.Signer.Name, req.Signer.NationalID, now); err != nil {
			return nil, fmt.Errorf("local provider: issuing signer certificate: %w", err)
		}
	default:
		return nil, fmt.Errorf("local provider: unknown signature type %q", req.Type)
	}

	tmp, err := os.CreateTemp(p.tmpDir, "svarsign-sign-*.pdf")
	if err != nil {
		return nil, fmt.Errorf("local provider: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	// A page added after an existing signature is a change that signature
	// does not allow (svarsign verify fails it), so a document that is
	// already signed gets the new signature only.
	var doc io.ReaderAt = tmp
	var docSize int64
	if sigs, err := pdfsign.Signatures(req.Document, req.Size); err == nil && len(sigs) > 0 {
		doc, docSize = req.Document, req.Size
	} else {
		if err := pdfsign.AddPage(ctx, tmp, req.Document, req.Size, p.frontPage(req, original, now)); err != nil {
			return nil, fmt.Errorf("local provider: adding front page: %w", err)
		}
		if docSize, err = tmp.Seek(0, io.SeekCurrent); err != nil {
			return nil, fmt.Errorf("local provider: %w", err)
		}
	}

	var stamped time.Time
	sign := func(ctx context.Context, digest []byte) ([]byte, error) {
		return cms.SignDetached(ctx, digest, id, cms.Options{
			TimeStamp: func(ctx context.Context, imprint []byte) ([]byte, error) {
				stamped = p.now()
				return p.tsa.Timestamp(ctx, imprint)
			},
		})
	}
	out := sha256.New()
	cw := &countWriter{w: io.MultiWriter(dst, out)}
	err = pdfsign.Sign(ctx, cw, doc, docSize, pdfsign.Options{
		Name:     req.Signer.Name,
		Reason:   fmt.Sprintf("Signert av %s etter innlogging med %s, nivå %d", req.Signer.Name, req.Signer.Method, req.Signer.Level),
		Location: "Norge",
		Time:     now,
	}, sign)
	if err != nil {
		return nil, fmt.Errorf("local provider: signing: %w", err)
	}
	return &provider.Evidence{
		Provider:       p.Name(),
		JobID:          req.JobID,
		SignatureType:  req.Type,
		Signer:         req.Signer,
		SignedAt:       now.UTC(),
		TimeStampedAt:  stamped.UTC(),
		FileName:       req.FileName,
		OriginalSHA256: original,
		OriginalSize:   req.Size,
		SignedSHA256:   hex.EncodeToString(out.Sum(nil)),
		SignedSize:     cw.n,
		Certificate:    id.Cert.Subject.String(),
	}, nil
}

func (p *Provider) frontPage(req provider.Request, original string, now time.Time) pdfsign.Page {
	level := "nivå 3 (betydelig)"
	if req.Signer.Level >= 4 {
		level = "nivå 4 (høyt)"
	}
	kind := "Autentisert signatur (forseglet av tjenesten på vegne av undertegner)"
	if req.Type == provider.Advanced {
		kind = "Avansert signatur (sertifikat utstedt til undertegner)"
	}
	return pdfsign.Page{
		Title: "Signert dokument",
		Lines: []string{
			"Dokument: " + req.FileName,
			"Forsendelse: " + req.Title,
			"Avsender: " + req.Sender,
			"",
			"Signert av: " + req.Signer.Name,
			"Tidspunkt: " + now.In(p.oslo).Format("02.01.2006 kl. 15:04:05 (MST)"),
			"Innlogging: " + req.Signer.Method + ", " + level,
			"Signaturtype: " + kind,
			"",
			"SHA-256 av originaldokumentet:",
			original,
			"Signeringsoppdrag: " + req.JobID,
			"",
			"Signaturen er en PAdES-signatur (ETSI.CAdES.detached) med tidsstempel,",
			"lagt til uten å endre originaldokumentet. Sidene etter denne er originalen.",
		},
	}
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
