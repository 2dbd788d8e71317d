// Package verify checks every signature of a signed PDF the way
// `svarsign verify` reports it, as strictly as the published attacks on PDF
// signatures require:
//
//   - the signed byte ranges are the file from offset 0 to the end of one
//     revision, leaving out exactly the signature dictionary's own /Contents
//     hex string (signature wrapping moves signed bytes into the gap), with
//     only zero bytes padding the CMS;
//   - the signature covers a whole revision, found by parsing the
//     cross-reference chain, not taken from the byte range;
//   - every later revision changed nothing but later signatures' own
//     objects, DSS data and document time stamps (incremental saving and
//     shadow attacks change pages, fonts, form values or re-point objects);
//   - the CMS is valid over the ranges, its certificate is fit for signing
//     documents and chains to a trusted root, and a signature time stamp
//     (PAdES B-T) is present and valid.
//
// Document time stamps (SubFilter ETSI.RFC3161, PAdES B-LTA) are verified
// as time-stamp tokens over their byte ranges.
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
	"github.com/svarsign/svarsign/server/tsa"
)

// SubFilters accepted: PAdES baseline signatures and document time stamps.
const (
	PAdESSubFilter        = "ETSI.CAdES.detached"
	DocTimeStampSubFilter = "ETSI.RFC3161"
)

// Signature is what was found about one signature.
type Signature struct {
	Name, Reason string
	SubFilter    string
	DocTimeStamp bool      // a document time stamp rather than a signature
	SigningTime  time.Time // /M
	ByteRange    [4]int64
	Fields       int // signature fields that have this signature as their value
	Revision     int // the revision the signature covers, from 1; 0 if none
	Signer       *x509.Certificate
	TimeStamp    time.Time
	TSA          *x509.Certificate
	// Later lists what the revisions after the signed one changed.
	Later []Change
	// Err is the first check that failed; nil means valid.
	Err error
}

// Change is one change a later revision made.
type Change struct {
	Revision int // from 1
	pdfsign.Change
}

// Report covers a whole file.
type Report struct {
	Size       int64
	Revisions  int
	Signatures []Signature
	// Trailing says what at the end of the file belongs to no revision;
	// no signature covers it, so every signature fails.
	Trailing string
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
// that cannot be read as a PDF at all (or has more signature fields than
// pdfsign.MaxSignatureFields); bad signatures are in the report.
func File(src io.ReaderAt, size int64, roots *x509.CertPool) (*Report, error) {
	sigs, err := pdfsign.Signatures(src, size)
	if err != nil {
		return nil, err
	}
	rep := &Report{Size: size}
	if len(sigs) == 0 {
		return rep, nil
	}
	// Only the revisions after the oldest signature need analysing.
	from := size + 1
	for _, s := range sigs {
		if s.Err == nil {
			from = min(from, s.End())
		}
	}
	hist, err := pdfsign.ReadHistory(src, size, from)
	if err != nil {
		return nil, err
	}
	rep.Revisions, rep.Trailing = len(hist.Revisions), hist.Trailing
	// Fields sharing a dictionary are one signature already; signatures
	// sharing a byte range are hashed once.
	digests := map[[4]int64][]byte{}
	for _, s := range sigs {
		out := Signature{Name: s.Name, Reason: s.Reason, SubFilter: s.SubFilter, SigningTime: s.Time,
			ByteRange: s.ByteRange, Fields: s.Fields, DocTimeStamp: s.SubFilter == DocTimeStampSubFilter}
		out.Err = check(src, s, hist, digests, roots, &out)
		rep.Signatures = append(rep.Signatures, out)
	}
	return rep, nil
}

func check(src io.ReaderAt, s pdfsign.Signature, hist *pdfsign.History, digests map[[4]int64][]byte, roots *x509.CertPool, out *Signature) error {
	if s.Err != nil {
		return s.Err
	}
	switch {
	case s.SubFilter == PAdESSubFilter && (s.Type == "" || s.Type == "Sig"):
	case s.SubFilter == DocTimeStampSubFilter && s.Type == "DocTimeStamp":
	case s.SubFilter == DocTimeStampSubFilter:
		return fmt.Errorf("a document time stamp's dictionary must have /Type /DocTimeStamp, not %q", s.Type)
	default:
		return fmt.Errorf("SubFilter is %q, neither a PAdES signature (%s) nor a document time stamp (%s)", s.SubFilter, PAdESSubFilter, DocTimeStampSubFilter)
	}

	end := s.End()
	k := -1
	for i, r := range hist.Revisions {
		if r.EOF <= end && end <= r.End {
			k = i
		}
	}
	if k < 0 {
		return fmt.Errorf("the signed bytes end at offset %d, which is not the end of a revision (the %%%%EOF after a cross-reference section and its startxref)", end)
	}
	out.Revision = k + 1
	for i := k + 1; i < len(hist.Revisions); i++ {
		r := &hist.Revisions[i]
		if !r.Analysed {
			return fmt.Errorf("revision %d was not analysed", i+1)
		}
		for _, c := range r.Changes {
			out.Later = append(out.Later, Change{Revision: i + 1, Change: c})
		}
	}

	digest, ok := digests[s.ByteRange]
	if !ok {
		var err error
		if digest, err = pdfsign.Digest(src, s.ByteRange); err != nil {
			return fmt.Errorf("byte range: %w", err)
		}
		digests[s.ByteRange] = digest
	}
	if out.DocTimeStamp {
		t, cert, err := tsa.Verify(s.Contents, digest, roots)
		if err != nil {
			return fmt.Errorf("document time stamp: %w", err)
		}
		out.TimeStamp, out.TSA = t, cert
	} else {
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
	}

	if hist.Trailing != "" {
		return fmt.Errorf("the end of the file is signed by nobody: %s", hist.Trailing)
	}
	for _, c := range out.Later {
		if !c.Allowed {
			return fmt.Errorf("revision %d, after this signature: %s", c.Revision, c.Change)
		}
	}
	return nil
}

// maxChangesShown bounds the changes listed per revision in Write.
const maxChangesShown = 12

// Write prints the report for people.
func (r *Report) Write(w io.Writer, name string) {
	fmt.Fprintf(w, "%s (%d bytes): %d signature(s), %d revision(s)\n", name, r.Size, len(r.Signatures), r.Revisions)
	for i, s := range r.Signatures {
		kind := "Signature"
		if s.DocTimeStamp {
			kind = "Document time stamp"
		}
		fmt.Fprintf(w, "\n%s %d of %d: %s\n", kind, i+1, len(r.Signatures), s.Name)
		if s.Reason != "" {
			fmt.Fprintf(w, "  reason:      %s\n", s.Reason)
		}
		fmt.Fprintf(w, "  subfilter:   %s\n", s.SubFilter)
		if !s.SigningTime.IsZero() {
			fmt.Fprintf(w, "  signed (/M): %s\n", s.SigningTime.UTC().Format(time.RFC3339))
		}
		fmt.Fprintf(w, "  byte range:  %v", s.ByteRange)
		if s.Revision > 0 {
			fmt.Fprintf(w, ", revision %d of %d", s.Revision, r.Revisions)
		}
		if s.Fields > 1 {
			fmt.Fprintf(w, ", %d fields", s.Fields)
		}
		fmt.Fprintln(w)
		if s.Signer != nil {
			fmt.Fprintf(w, "  certificate: %s (issued by %s)\n", s.Signer.Subject, s.Signer.Issuer)
		}
		if !s.TimeStamp.IsZero() {
			fmt.Fprintf(w, "  time stamp:  %s by %s\n", s.TimeStamp.UTC().Format(time.RFC3339), subject(s.TSA))
		}
		writeLater(w, s.Later)
		switch {
		case s.Err != nil:
			fmt.Fprintf(w, "  result:      INVALID: %v\n", s.Err)
		case len(s.Later) == 0:
			fmt.Fprintf(w, "  result:      valid (range covers the whole file except the signature, CMS and chain valid, time stamp valid)\n")
		default:
			fmt.Fprintf(w, "  result:      valid (range covers revision %d; later revisions add only signatures, time stamps or DSS data; CMS and chain valid, time stamp valid)\n", s.Revision)
		}
	}
	fmt.Fprintln(w)
	switch {
	case r.OK():
		fmt.Fprintf(w, "OK: all %d signature(s) valid\n", len(r.Signatures))
	case len(r.Signatures) == 0:
		fmt.Fprintln(w, "FAILED: the file has no signatures")
	default:
		fmt.Fprintln(w, "FAILED: at least one signature is not valid")
	}
}

func writeLater(w io.Writer, later []Change) {
	if len(later) == 0 {
		return
	}
	fmt.Fprintln(w, "  changed by later revisions:")
	shown := map[int]int{}
	for _, c := range later {
		if shown[c.Revision]++; shown[c.Revision] > maxChangesShown {
			continue
		}
		verdict := "allowed"
		if !c.Allowed {
			verdict = "NOT ALLOWED"
		}
		fmt.Fprintf(w, "    revision %d: %s [%s]\n", c.Revision, c.Change, verdict)
	}
	for rev, n := range shown {
		if n > maxChangesShown {
			fmt.Fprintf(w, "    revision %d: ... and %d more\n", rev, n-maxChangesShown)
		}
	}
}

func subject(c *x509.Certificate) string {
	if c == nil {
		return "unknown TSA"
	}
	return strings.TrimSpace(c.Subject.String())
}
