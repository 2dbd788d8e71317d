// Package pdfsign writes and reads PAdES signatures in PDF files: it adds a
// signature (SubFilter ETSI.CAdES.detached) or a front page as an incremental
// update, so the original bytes and earlier signatures stay intact, and it
// lists the signatures of a file for verification. The CMS itself comes from
// a SignFunc, so this package knows nothing about keys, certificates or time
// stamps.
//
// Why our own signer: github.com/digitorus/pdfsign (the only version served
// to us) writes SubFilter adbe.pkcs7.detached, and the SubFilter sits inside
// the signed bytes, so it cannot be changed afterwards; it also copies the
// whole PDF into memory. PAdES needs ETSI.CAdES.detached with an ESS
// signing-certificate-v2 attribute, and our documents may be large, so the
// signature dictionary, the CMS (server/cms) and the update are our own.
//
// The package parses PDF with its own small reader instead of pdfcpu.
// pdfcpu's reader takes an io.ReadSeeker and dereferences every object,
// loading each stream's content into memory, so signing a 50 MiB scan would
// cost at least 50 MiB of heap; and its strict validation rejects files that
// other readers accept. An incremental update needs far less: the
// cross-reference chain (tables, xref streams, object streams, hybrid files),
// the trailer, and a handful of dictionaries (catalog, page tree, first page,
// AcroForm, signature fields). The reader fetches exactly those through the
// io.ReaderAt, so memory stays constant in the file size; the source is read
// twice, once to hash and once to copy, and never held whole.
//
// The update is laid out in memory first (it is small), so that the byte
// range is known before hashing; the cross-reference section it ends with is
// of the same kind as the file's newest one: an xref stream after an xref
// stream, otherwise a classic table.
package pdfsign

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Errors from Check, Sign, AddPage and Signatures, for errors.Is.
var (
	ErrNotPDF    = errors.New("not a PDF")
	ErrEncrypted = errors.New("encrypted")
	ErrDamaged   = errors.New("damaged")
)

// SignFunc returns a DER CMS (CAdES detached) signature over digest, the
// SHA-256 of the signed byte ranges.
type SignFunc func(ctx context.Context, digest []byte) ([]byte, error)

// Options describe the signature dictionary.
type Options struct {
	Name, Reason, Location, ContactInfo string // /Name /Reason /Location /ContactInfo of the signature dictionary

	Time time.Time // /M

	// Reserve is the number of bytes reserved for the CMS in /Contents;
	// 0 means DefaultReserve. A larger CMS is an error, since the space
	// must be fixed before the digest is computed.
	Reserve int
}

// DefaultReserve fits a CAdES-T signature with a certificate chain and an
// embedded time stamp token with its own chain.
const DefaultReserve = 32 << 10

// maxReserve keeps the in-memory update small.
const maxReserve = 4 << 20

// byteRangeWidth is the space kept for "[0 a b c]", enough for files up to
// 10^14 bytes; it is filled in once the update's length is known.
const byteRangeWidth = 48

// Sign appends one signature as an incremental update: the original bytes
// are written unchanged first, then a signature dictionary, an invisible
// signature field and widget on the first page, the updated AcroForm
// (keeping earlier fields), the catalog, and a cross-reference section with
// /Prev. src is read twice and never held whole in memory; dst receives the
// full signed file.
func Sign(ctx context.Context, dst io.Writer, src io.ReaderAt, size int64, opts Options, sign SignFunc) (err error) {
	defer catch("sign", &err)
	if err := sign1(ctx, dst, src, size, opts, sign); err != nil {
		return fmt.Errorf("pdfsign: sign: %w", err)
	}
	return nil
}

func sign1(ctx context.Context, dst io.Writer, src io.ReaderAt, size int64, opts Options, sign SignFunc) error {
	reserve := opts.Reserve
	if reserve == 0 {
		reserve = DefaultReserve
	}
	if reserve < 0 || reserve > maxReserve {
		return fmt.Errorf("reserve %d out of range (0..%d)", reserve, maxReserve)
	}
	d, err := open(src, size)
	if err != nil {
		return err
	}
	tg, err := d.signTarget()
	if err != nil {
		return err
	}
	rootRef, root, pageRef, page, formRef, form := tg.rootRef, tg.root, tg.pageRef, tg.page, tg.formRef, tg.form
	u, err := newUpdate(d)
	if err != nil {
		return err
	}
	if formRef == (ref{}) {
		formRef = u.alloc()
	}
	sigRef, fieldRef := u.alloc(), u.alloc()

	form["Fields"] = append(slices.Clone(tg.fields), fieldRef)
	form["SigFlags"] = int64(3) // SignaturesExist | AppendOnly
	page = maps.Clone(page)
	page["Annots"] = append(slices.Clone(tg.annots), fieldRef)
	root = maps.Clone(root)
	root["AcroForm"] = formRef

	// The signature dictionary is written by hand: /ByteRange and /Contents
	// are placeholders whose offsets we need.
	u.begin(sigRef)
	u.buf.WriteString("<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached\n/ByteRange ")
	brAt := u.buf.Len()
	u.buf.WriteString(strings.Repeat(" ", byteRangeWidth))
	u.buf.WriteString("\n/Contents ")
	contentsStart := u.pos()
	u.buf.WriteByte('<')
	hexAt := u.buf.Len()
	u.buf.Write(bytes.Repeat([]byte{'0'}, 2*reserve))
	u.buf.WriteByte('>')
	contentsEnd := u.pos()
	t := opts.Time
	if t.IsZero() {
		t = time.Now()
	}
	extra := dict{"M": str(formatDate(t))}
	for k, v := range map[name]string{"Name": opts.Name, "Reason": opts.Reason, "Location": opts.Location, "ContactInfo": opts.ContactInfo} {
		if v != "" {
			extra[k] = textString(v)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		u.buf.WriteByte('\n')
		writeName(&u.buf, k)
		u.buf.WriteByte(' ')
		writeObject(&u.buf, extra[k])
	}
	u.buf.WriteString(">>")
	u.end()

	u.put(fieldRef, dict{
		"Type": name("Annot"), "Subtype": name("Widget"), "FT": name("Sig"),
		"T":    str(tg.fieldName),
		"V":    sigRef,
		"Rect": array{int64(0), int64(0), int64(0), int64(0)},
		"F":    int64(132), // Print | Locked
		"P":    pageRef,
	})
	u.put(pageRef, page)
	u.put(formRef, form)
	u.put(rootRef, root)
	u.finish()

	total := u.pos()
	br := [4]int64{0, contentsStart, contentsEnd, total - contentsEnd}
	brText := fmt.Sprintf("[%d %d %d %d]", br[0], br[1], br[2], br[3])
	if len(brText) > byteRangeWidth {
		return errors.New("file too large for the byte range placeholder")
	}
	copy(u.buf.Bytes()[brAt:], brText)

	h := sha256.New()
	if _, err := io.Copy(h, original(ctx, d)); err != nil {
		return fmt.Errorf("hashing original: %w", err)
	}
	h.Write(u.buf.Bytes()[:contentsStart-size])
	h.Write(u.buf.Bytes()[contentsEnd-size:])
	cms, err := sign(ctx, h.Sum(nil))
	if err != nil {
		return fmt.Errorf("signing digest: %w", err)
	}
	if len(cms) == 0 {
		return errors.New("signer returned an empty CMS")
	}
	if len(cms) > reserve {
		return fmt.Errorf("CMS of %d bytes does not fit the %d bytes reserved (Options.Reserve)", len(cms), reserve)
	}
	hex.Encode(u.buf.Bytes()[hexAt:], cms)
	return u.writeTo(ctx, dst)
}

// signTarget is what Sign reads of a document: the objects it changes and
// the name of the new field.
type signTarget struct {
	rootRef, pageRef ref
	root, page       dict
	formRef          ref  // zero if the AcroForm is not an object of its own
	form             dict // a copy, to change
	fields, annots   array
	fieldName        string
}

// signTarget reads what Sign needs; Check reads it too, so that a document
// it accepts can be signed.
func (d *document) signTarget() (*signTarget, error) {
	var tg signTarget
	var pages dict
	var err error
	if tg.rootRef, tg.root, _, pages, err = d.catalog(); err != nil {
		return nil, damaged(err)
	}
	if tg.pageRef, tg.page, err = d.firstPage(pages); err != nil {
		return nil, damaged(err)
	}
	// The AcroForm keeps its object number if it has one, so anything else
	// pointing at it stays right.
	tg.form = dict{}
	switch v := tg.root["AcroForm"].(type) {
	case ref:
		tg.formRef = v
		if f, err := d.resolve(v); err != nil {
			return nil, damaged(fmt.Errorf("AcroForm: %w", err))
		} else if f, ok := f.(dict); ok {
			tg.form = maps.Clone(f)
		}
	case dict:
		tg.form = maps.Clone(v)
	}
	if tg.fields, err = d.array(tg.form["Fields"]); err != nil {
		return nil, damaged(fmt.Errorf("AcroForm /Fields: %w", err))
	}
	if tg.annots, err = d.array(tg.page["Annots"]); err != nil {
		return nil, damaged(fmt.Errorf("page /Annots: %w", err))
	}
	if tg.fieldName, err = fieldName(d, tg.fields); err != nil {
		return nil, damaged(err)
	}
	return &tg, nil
}

// fieldName picks a field name unused among the top-level fields: Signature1,
// Signature2, ... A field that cannot be read has no name to avoid, unless
// reading it was beyond a limit.
func fieldName(d *document, fields array) (string, error) {
	used := map[string]bool{}
	seen := map[ref]bool{}
	for _, f := range fields {
		if r, ok := f.(ref); ok {
			if seen[r] {
				continue
			}
			seen[r] = true
		}
		fd, err := d.dict(f)
		if errors.Is(err, ErrLimit) {
			return "", fmt.Errorf("AcroForm /Fields: %w", err)
		}
		if t, ok := fd["T"].(str); ok && err == nil {
			used[string(t)] = true
		}
	}
	for i := len(fields) + 1; ; i++ {
		if n := "Signature" + strconv.Itoa(i); !used[n] {
			return n, nil
		}
	}
}

// Signature is one signature of a file, as Signatures reads it: a
// signature dictionary that one or more signature fields have as their
// value.
type Signature struct {
	ByteRange [4]int64
	// Contents is the CMS (for a document time stamp, the time-stamp
	// token), trimmed of the zero padding after its DER length.
	Contents []byte

	Type, SubFilter, Name, Reason string // Type is Sig, or DocTimeStamp for a document time stamp

	Time time.Time // /M; zero if absent or unreadable

	// Object is the signature dictionary's object number; Fields is how
	// many signature fields have it as their value (they are one signature).
	Object int64
	Fields int

	// ContentsAt and ContentsEnd delimit the dictionary's own /Contents
	// hex string in the file: its '<' is at ContentsAt, its '>' just
	// before ContentsEnd. Both are zero if it could not be located.
	ContentsAt, ContentsEnd int64

	// Err says why the dictionary cannot hold a valid signature whatever
	// its CMS: /ByteRange or /Contents missing or malformed, signed ranges
	// other than the whole of [0, End()) except exactly this dictionary's
	// /Contents string, or non-zero bytes in the padding after the DER.
	Err error
}

// End is where the signed bytes end, ByteRange[2]+ByteRange[3]. Whether
// that is the end of a revision is for ReadHistory to tell.
func (s Signature) End() int64 { return s.ByteRange[2] + s.ByteRange[3] }

// CoversWholeFile reports whether the signature's byte range is the whole
// file of size bytes except exactly its own /Contents string.
func (s Signature) CoversWholeFile(size int64) bool { return s.Err == nil && s.End() == size }

// MaxSignatureFields bounds the signature fields Signatures reads: a file
// with more is refused (ErrTooManySignatureFields) rather than costing
// work per field.
const MaxSignatureFields = 1000

// ErrTooManySignatureFields is the error for a file with more than
// MaxSignatureFields signature fields.
var ErrTooManySignatureFields = fmt.Errorf("more than %d signature fields", MaxSignatureFields)

// Signatures lists the signatures of a file, oldest revision first, for
// verification: each distinct signature dictionary that signature fields
// have as their value, with its byte range and CMS. A file without
// signatures gives an empty list; a signature that is malformed is listed
// with its Err set.
func Signatures(src io.ReaderAt, size int64) (_ []Signature, err error) {
	defer catch("signatures", &err)
	sigs, err := signatures(src, size)
	if err != nil {
		return nil, fmt.Errorf("pdfsign: signatures: %w", err)
	}
	return sigs, nil
}

func signatures(src io.ReaderAt, size int64) ([]Signature, error) {
	d, err := open(src, size)
	if err != nil {
		return nil, err
	}
	root, err := d.dict(d.trailer["Root"])
	if err != nil {
		return nil, damaged(fmt.Errorf("catalog: %w", err))
	}
	form, err := d.resolve(root["AcroForm"])
	if err != nil {
		return nil, damaged(fmt.Errorf("AcroForm: %w", err))
	}
	fd, ok := form.(dict)
	if !ok {
		return nil, nil
	}
	fields, err := d.array(fd["Fields"])
	if err != nil {
		return nil, damaged(fmt.Errorf("AcroForm /Fields: %w", err))
	}
	var sigs []Signature
	byObject := map[ref]int{} // signature dictionary → 1 + its index in sigs
	seen := map[ref]bool{}
	sigFields := 0
	var walk func(fields array, ft name, depth int) error
	walk = func(fields array, ft name, depth int) error {
		if depth > maxNesting {
			return errors.New("field tree too deep")
		}
		for _, f := range fields {
			if r, ok := f.(ref); ok {
				if seen[r] {
					continue
				}
				seen[r] = true
			}
			field, err := d.dict(f)
			if err != nil {
				return fmt.Errorf("field: %w", err)
			}
			ft := ft // /FT is inheritable
			if n := field.name("FT"); n != "" {
				ft = n
			}
			if r, isRef := field["V"].(ref); ft == "Sig" && isRef && byObject[r] > 0 {
				if sigFields++; sigFields > MaxSignatureFields {
					return ErrTooManySignatureFields
				}
				sigs[byObject[r]-1].Fields++
			} else if v, err := d.resolve(field["V"]); ft == "Sig" && (err != nil || v != nil) {
				if sigFields++; sigFields > MaxSignatureFields {
					return ErrTooManySignatureFields
				}
				if isRef {
					byObject[r] = len(sigs) + 1
				}
				sigs = append(sigs, readSignature(d, field["V"]))
			}
			kids, err := d.array(field["Kids"])
			if err != nil {
				return fmt.Errorf("field /Kids: %w", err)
			}
			if err := walk(kids, ft, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(fields, "", 0); errors.Is(err, ErrTooManySignatureFields) {
		return nil, err
	} else if err != nil {
		return nil, damaged(err)
	}
	slices.SortStableFunc(sigs, func(a, b Signature) int { return cmp.Compare(a.End(), b.End()) })
	return sigs, nil
}

// readSignature reads the signature dictionary v, a field's /V.
func readSignature(d *document, v any) Signature {
	s := Signature{Fields: 1}
	r, ok := v.(ref)
	if !ok {
		s.Err = errors.New("the signature dictionary is not an indirect object")
		return s
	}
	s.Object = r.num
	sd, err := d.dict(r)
	if err != nil {
		s.Err = fmt.Errorf("signature dictionary %d: %w", r.num, err)
		return s
	}
	s.Type = string(sd.name("Type"))
	s.SubFilter = string(sd.name("SubFilter"))
	if n, ok := sd["Name"].(str); ok {
		s.Name = decodeText(n)
	}
	if n, ok := sd["Reason"].(str); ok {
		s.Reason = decodeText(n)
	}
	if m, ok := sd["M"].(str); ok {
		s.Time, _ = parseDate(string(m))
	}
	if err := s.read(d, r, sd); err != nil {
		s.Err = fmt.Errorf("signature dictionary %d: %w", r.num, err)
	}
	return s
}

// read fills in the byte range and CMS and checks that the signed ranges
// leave out exactly this dictionary's /Contents string: otherwise the gap
// could hide anything, such as a whole new revision (signature wrapping).
func (s *Signature) read(d *document, r ref, sd dict) error {
	br, ok := sd["ByteRange"].(array)
	if !ok || len(br) != 4 {
		return errors.New("/ByteRange is not a direct array of four integers")
	}
	for i, e := range br {
		n, ok := e.(int64)
		if !ok || n < 0 {
			return errors.New("/ByteRange holds a negative number or a non-integer")
		}
		s.ByteRange[i] = n
	}
	contents, ok := sd["Contents"].(str)
	if !ok {
		return errors.New("/Contents is missing or not a direct string")
	}
	at, end, err := d.contentsSpan(r)
	if err != nil {
		return err
	}
	s.ContentsAt, s.ContentsEnd = at, end
	b := s.ByteRange
	switch {
	case b[0] != 0:
		return fmt.Errorf("byte range %v does not start at 0", b)
	case b[1] != at || b[2] != end:
		return fmt.Errorf("byte range %v does not leave out exactly this dictionary's /Contents string (bytes %d to %d)", b, at, end)
	case b[3] > d.size-end:
		return fmt.Errorf("byte range %v reaches past the end of the file (%d bytes)", b, d.size)
	case len(contents) == 0:
		return errors.New("/Contents is empty")
	}
	der := trimDER(contents)
	for _, c := range contents[len(der):] {
		if c != 0 {
			return fmt.Errorf("/Contents has non-zero bytes in the %d bytes of padding after its DER signature", len(contents)-len(der))
		}
	}
	s.Contents = der
	return nil
}

// contentsSpan finds where the /Contents hex string of signature
// dictionary r lies in the file, reading the dictionary's bytes afresh: the
// parsed dictionary does not keep positions. It refuses a dictionary that
// has /Contents or /ByteRange twice (readers differ on which one counts)
// and a /Contents that is not a well-formed hex string (hex digits only,
// an even number of them).
func (d *document) contentsSpan(r ref) (at, end int64, err error) {
	e, ok := d.xref[r.num]
	switch {
	case !ok || e.free:
		return 0, 0, errors.New("not in the cross-reference table")
	case e.stm > 0:
		return 0, 0, errors.New("it lies in an object stream, so its /Contents cannot be left out of the signed bytes")
	case e.off <= 0 || e.off >= d.size:
		return 0, 0, fmt.Errorf("offset %d out of range", e.off)
	}
	l := d.lexerAt(e.off)
	var hdr [4]any
	for i := range hdr {
		if hdr[i], err = l.token(); err != nil {
			return 0, 0, unexpectedEOF(err)
		}
	}
	if hdr[0] != r.num || hdr[2] != keyword("obj") || hdr[3] != keyword("<<") {
		return 0, 0, fmt.Errorf("no \"%d %d obj <<\" at offset %d", r.num, r.gen, e.off)
	}
	found, byteRange := false, false
	for {
		t, err := l.token()
		if err != nil {
			return 0, 0, unexpectedEOF(err)
		}
		if t == keyword(">>") {
			break
		}
		k, ok := t.(name)
		if !ok {
			return 0, 0, fmt.Errorf("dictionary key is %v, not a name", t)
		}
		switch {
		case k == "ByteRange" && byteRange, k == "Contents" && found:
			return 0, 0, fmt.Errorf("/%s appears twice", k)
		case k == "ByteRange":
			byteRange = true
		case k == "Contents":
			found = true
			if len(l.back) > 0 {
				return 0, 0, errors.New("cannot locate /Contents")
			}
			if at, end, err = l.hexSpan(); err != nil {
				return 0, 0, fmt.Errorf("/Contents: %w", err)
			}
			continue
		}
		if _, err := l.object(1); err != nil {
			return 0, 0, err
		}
	}
	if !found {
		return 0, 0, errors.New("no /Contents")
	}
	return at, end, nil
}

// hexSpan reads a hex string at the lexer's position and returns where it
// starts and ends. Unlike hexString it allows no white space: a signature's
// /Contents is hex digits only.
func (l *lexer) hexSpan() (at, end int64, err error) {
	c, err := l.skipSpace()
	if err != nil {
		return 0, 0, unexpectedEOF(err)
	}
	at = l.pos - 1
	if c != '<' {
		return 0, 0, errors.New("not a hex string")
	}
	n := 0
	for {
		c, err := l.readByte()
		if err != nil {
			return 0, 0, unexpectedEOF(err)
		}
		if c == '>' {
			break
		}
		if _, ok := unhex(c); !ok {
			return 0, 0, fmt.Errorf("%q in a hex string that must hold hex digits only", c)
		}
		n++
	}
	if n%2 != 0 {
		return 0, 0, errors.New("odd number of hex digits")
	}
	return at, l.pos, nil
}

// trimDER cuts a CMS to the length its outer DER header gives, dropping the
// zero padding of the placeholder.
func trimDER(b []byte) []byte {
	if len(b) < 2 || b[0] != 0x30 {
		return b
	}
	n, hdr := int(b[1]), 2
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 4 || len(b) < 2+k {
			return b
		}
		n = 0
		for _, c := range b[2 : 2+k] {
			n = n<<8 | int(c)
		}
		hdr += k
	}
	if n < 0 || hdr+n > len(b) {
		return b
	}
	return b[:hdr+n]
}

// Digest computes the SHA-256 over a signature's byte ranges, streaming.
func Digest(src io.ReaderAt, br [4]int64) ([]byte, error) {
	if br[0] < 0 || br[1] < 0 || br[2] < br[0]+br[1] || br[3] < 0 {
		return nil, fmt.Errorf("pdfsign: digest: invalid byte range %v", br)
	}
	h := sha256.New()
	for _, r := range [][2]int64{{br[0], br[1]}, {br[2], br[3]}} {
		if _, err := io.CopyN(h, io.NewSectionReader(src, r[0], r[1]), r[1]); err != nil {
			return nil, fmt.Errorf("pdfsign: digest: byte range %v: %w", br, err)
		}
	}
	return h.Sum(nil), nil
}

// Check reports whether src is a PDF we can sign: it parses, is not
// encrypted, and has a page tree with a first page. The error says why not
// and matches ErrNotPDF, ErrEncrypted or ErrDamaged.
//
// It reads what AddPage and Sign read, so that a document it accepts can be
// given a front page and signed; its cost is bounded (limits.go), whatever
// the file.
func Check(src io.ReaderAt, size int64) (err error) {
	defer catch("check", &err)
	if err := check(src, size); err != nil {
		return fmt.Errorf("pdfsign: %w", err)
	}
	return nil
}

func check(src io.ReaderAt, size int64) error {
	if size < 8 {
		return ErrNotPDF
	}
	d, err := open(src, size)
	if err != nil {
		return err
	}
	for num, e := range d.xref {
		if !e.free && e.stm == 0 && (e.off <= 0 || e.off >= size) {
			return damaged(fmt.Errorf("object %d lies beyond the end of the file", num))
		}
	}
	if _, err := d.nextObject(); err != nil {
		return damaged(err)
	}
	if _, err := d.pageTree(); err != nil {
		return err
	}
	if _, err := d.signTarget(); err != nil {
		return err
	}
	return nil
}

// formatDate writes a PDF date, D:YYYYMMDDHHmmSS with the zone offset.
func formatDate(t time.Time) string {
	s := t.Format("D:20060102150405")
	_, off := t.Zone()
	if off == 0 {
		return s + "Z"
	}
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("%s%c%02d'%02d'", s, sign, off/3600, off/60%60)
}

// parseDate reads a PDF date; the parts after the year are optional.
func parseDate(s string) (time.Time, error) {
	s = strings.TrimPrefix(s, "D:")
	var f [6]int
	def := [6]int{0, 1, 1, 0, 0, 0}
	widths := [6]int{4, 2, 2, 2, 2, 2}
	for i, w := range widths {
		if len(s) < w || !isDigits(s[:w]) {
			if i == 0 {
				return time.Time{}, fmt.Errorf("bad PDF date %q", s)
			}
			f[i] = def[i]
			continue
		}
		f[i], _ = strconv.Atoi(s[:w])
		s = s[w:]
	}
	loc := time.UTC
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		z := strings.NewReplacer("'", "").Replace(s[1:])
		var h, m int
		if len(z) >= 2 && isDigits(z[:2]) {
			h, _ = strconv.Atoi(z[:2])
		}
		if len(z) >= 4 && isDigits(z[2:4]) {
			m, _ = strconv.Atoi(z[2:4])
		}
		off := h*3600 + m*60
		if s[0] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	return time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], 0, loc), nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// textString encodes a PDF text string: ASCII as is, anything else as
// UTF-16BE with a byte order mark, which every reader understands.
func textString(s string) str {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return str(s)
	}
	b := str{0xfe, 0xff}
	for _, c := range utf16.Encode([]rune(s)) {
		b = append(b, byte(c>>8), byte(c))
	}
	return b
}

// decodeText reads a PDF text string: UTF-16BE or UTF-8 with a byte order
// mark, otherwise PDFDocEncoding, read as Latin-1 (they agree on letters).
//
// It writes UTF-8 directly: at most 3 bytes for 2 of UTF-16, 2 for 1 of
// Latin-1, whatever the input (a signature's /Name may be long).
func decodeText(b []byte) string {
	if len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff {
		out := make([]byte, 0, len(b)*3/2)
		for i := 2; i+1 < len(b); i += 2 {
			r := rune(b[i])<<8 | rune(b[i+1])
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+3 < len(b) {
					r2 = utf16.DecodeRune(r, rune(b[i+2])<<8|rune(b[i+3]))
				}
				if r2 != utf8.RuneError {
					i += 2
				}
				r = r2
			}
			out = utf8.AppendRune(out, r)
		}
		return string(out)
	}
	if len(b) >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf {
		return string(b[3:])
	}
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = utf8.AppendRune(out, rune(c))
	}
	return string(out)
}
