// Package provider is the boundary to signing providers: the service hands
// a document and an identified signer to a Provider and gets a signed PDF
// and its evidence back. The local provider (provider/local) signs with the
// service's own CA and time-stamp authority; a Posten adapter would talk to
// Posten's signature API in the direct style.
package provider

import (
	"context"
	"io"
	"time"

	"github.com/svarsign/svarsign/server/domain"
)

// SignatureType is the kind of signature asked for.
type SignatureType = domain.SignatureType

const (
	// Authenticated is sealed by the service on behalf of the identified citizen.
	Authenticated = domain.SignatureAuthenticated
	// Advanced is signed with a certificate issued for the signer.
	Advanced = domain.SignatureAdvanced
)

// Signer is the person signing, as identified at login.
type Signer struct {
	Name       string `json:"name"`
	NationalID string `json:"national_identity_number"`
	// Level is the ID-porten assurance level of the login: 3 (substantial) or 4 (high).
	Level int `json:"level"`
	// Method says how the signer was identified, e.g. "ID-porten (simulated)".
	Method    string `json:"method"`
	IP        string `json:"ip"`
	UserAgent string `json:"user_agent"`
}

// Request is one document to sign for one signer.
type Request struct {
	// JobID is the provider job this signing belongs to; it appears in the evidence.
	JobID string
	// Document is the PDF to sign, Size bytes long.
	Document io.ReaderAt
	Size     int64
	FileName string
	// Title and Sender describe the shipment on the front page.
	Title  string
	Sender string
	Type   SignatureType
	Signer Signer
}

// Evidence records who signed what, when and how. It is returned to the
// sender as JSON beside the signed document.
type Evidence struct {
	Provider       string        `json:"provider"`
	JobID          string        `json:"provider_job_id"`
	SignatureType  SignatureType `json:"signature_type"`
	Signer         Signer        `json:"signer"`
	SignedAt       time.Time     `json:"signed_at"`
	TimeStampedAt  time.Time     `json:"time_stamped_at"`
	FileName       string        `json:"file_name"`
	OriginalSHA256 string        `json:"original_sha256"`
	OriginalSize   int64         `json:"original_size"`
	SignedSHA256   string        `json:"signed_sha256"`
	SignedSize     int64         `json:"signed_size"`
	Certificate    string        `json:"signing_certificate_subject"`
}

// Provider signs documents.
type Provider interface {
	// Name identifies the provider in evidence and logs.
	Name() string
	// Sign writes the signed PDF to dst and returns the evidence.
	Sign(ctx context.Context, dst io.Writer, req Request) (*Evidence, error)
	// Check reports whether a document can be signed at all (a PDF, not
	// encrypted, not damaged), so a bad document is refused at send time.
	Check(src io.ReaderAt, size int64) error
}
