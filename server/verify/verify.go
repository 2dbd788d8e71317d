// Package verify checks every signature of a signed PDF the way
// `svarsign verify` reports it: the byte range covers the whole file except
// the signature itself (earlier signatures: their whole revision), the CMS
// signature is valid over that range, its certificate chains to a trusted
// root, and a signature time stamp (PAdES B-T) is present and valid.
package verify

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/svarsign/svarsign/server/cms"
	"github.com/svarsign/svarsign/server/pdfsign"
)

// PAdESSubFilter is the only SubFilter accepted: PAdES baseline signatures.
const PAdESSubFilter = "ETSI.CAdES.detached"

// Signature is what was found about one signature.
type Signature struct {
	Name, Reason string
	SubFilter    string
	SigningTime  time.Time // /M
	ByteRange    [4]int64
	Signer       *x509.Certificate
	TimeStamp    time.Time
	TSA          *x509.Certificate
	// Err is the first check that failed; nil means valid.
	Err error
}

// Report covers a whole file.
type Report struct {
	Size       int64
	Signatures []Signature
}

// OK reports whether the file has signatures and all of them are valid.
func (r *Report) OK() bool {
	if len(r.Signatures) == 0 {
		return false
	}
	for _, s := range r.Signatures {
		if s.Err != nil {
			return false
		}
	}
	return true
}

// File checks the PDF in src against roots. The error is only for a file
// that cannot be read as a PDF at all; bad signatures are in the report.
func File(src io.ReaderAt, size int64, roots *x509.CertPool) (*Report, error) {
	sigs, err := pdfsign.Signatures(src, size)
	if err != nil {
		return nil, err
	}
	rep := &Report{Size: size}
	for i, s := range sigs {
		out := Signature{Name: s.Name, Reason: s.Reason, SubFilter: s.SubFilter, SigningTime: s.Time, ByteRange: s.ByteRange}
		out.Err = check(src, size, s, i == len(sigs)-1, roots, &out)
		rep.Signatures = append(rep.Signatures, out)
	}
	return rep, nil
}

func check(src io.ReaderAt, size int64, s pdfsign.Signature, last bool, roots *x509.CertPool, out *Signature) error {
	if s.SubFilter != PAdESSubFilter {
		return fmt.Errorf("SubFilter is %q, not a PAdES signature (%s)", s.SubFilter, PAdESSubFilter)
	}
	if err := checkByteRange(src, size, s, last); err != nil {
		return err
	}
	digest, err := pdfsign.Digest(src, s.ByteRange)
	if err != nil {
		return fmt.Errorf("byte range: %w", err)
	}
	res, err := cms.Verify(s.Contents, digest, roots)
	if err != nil {
		return err
	}
	out.Signer, out.TimeStamp, out.TSA = res.Signer, res.TimeStamp, res.TSA
	if res.TimeStamp.IsZero() {
		return errors.New("no signature time stamp (PAdES B-T requires one)")
	}
	if !res.SigningCertV2OK {
		return errors.New("no ESS signing-certificate-v2 attribute")
	}
	return nil
}

// checkByteRange makes sure the signed ranges are the whole revision minus
// exactly the /Contents hex string, so nothing unsigned hides in the file.
func checkByteRange(src io.ReaderAt, size int64, s pdfsign.Signature, last bool) error {
	br := s.ByteRange
	if br[0] != 0 || br[1] <= 0 || br[2] <= br[1] || br[3] < 0 || br[2]+br[3] > size {
		return fmt.Errorf("byte range %v is not [0 a b c] inside the file", br)
	}
	var edge [1]byte
	if _, err := src.ReadAt(edge[:], br[1]); err != nil || edge[0] != '<' {
		return fmt.Errorf("byte range %v: the gap does not start at the signature's hex string", br)
	}
	if _, err := src.ReadAt(edge[:], br[2]-1); err != nil || edge[0] != '>' {
		return fmt.Errorf("byte range %v: the gap does not end at the signature's hex string", br)
	}
	end := br[2] + br[3]
	switch {
	case last && end != size:
		return fmt.Errorf("the file was changed after the last signature: %d bytes are not covered", size-end)
	case !last && s.RevisionEnd != 0 && end != s.RevisionEnd:
		return fmt.Errorf("byte range ends at %d, but its revision ends at %d", end, s.RevisionEnd)
	}
	return nil
}

// Write prints the report for people.
func (r *Report) Write(w io.Writer, name string) {
	fmt.Fprintf(w, "%s (%d bytes): %d signature(s)\n", name, r.Size, len(r.Signatures))
	for i, s := range r.Signatures {
		fmt.Fprintf(w, "\nSignature %d of %d: %s\n", i+1, len(r.Signatures), s.Name)
		if s.Reason != "" {
			fmt.Fprintf(w, "  reason:      %s\n", s.Reason)
		}
		fmt.Fprintf(w, "  subfilter:   %s\n", s.SubFilter)
		if !s.SigningTime.IsZero() {
			fmt.Fprintf(w, "  signed (/M): %s\n", s.SigningTime.UTC().Format(time.RFC3339))
		}
		fmt.Fprintf(w, "  byte range:  %v\n", s.ByteRange)
		if s.Signer != nil {
			fmt.Fprintf(w, "  certificate: %s (issued by %s)\n", s.Signer.Subject, s.Signer.Issuer)
		}
		if !s.TimeStamp.IsZero() {
			fmt.Fprintf(w, "  time stamp:  %s by %s\n", s.TimeStamp.UTC().Format(time.RFC3339), subject(s.TSA))
		}
		if s.Err != nil {
			fmt.Fprintf(w, "  result:      INVALID: %v\n", s.Err)
		} else {
			fmt.Fprintf(w, "  result:      valid (range covers the %s, CMS and chain valid, time stamp valid)\n", coverage(i == len(r.Signatures)-1))
		}
	}
	fmt.Fprintln(w)
	if r.OK() {
		fmt.Fprintf(w, "OK: all %d signature(s) valid\n", len(r.Signatures))
	} else if len(r.Signatures) == 0 {
		fmt.Fprintln(w, "FAILED: the file has no signatures")
	} else {
		fmt.Fprintln(w, "FAILED: at least one signature is not valid")
	}
}

func coverage(last bool) string {
	if last {
		return "whole file"
	}
	return "whole revision"
}

func subject(c *x509.Certificate) string {
	if c == nil {
		return "unknown TSA"
	}
	return strings.TrimSpace(c.Subject.String())
}
