// Package verifytest makes PDFs for testing signature verification: files
// signed by the local provider, incremental updates written by hand (as an
// attacker writes them), and the constructions of the published attacks on
// PDF signatures. It reads only classic cross-reference tables, which is
// what the local provider writes for the uncompressed test documents.
package verifytest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/svarsign/svarsign/server/cms"
	"github.com/svarsign/svarsign/server/pdfsign"
	"github.com/svarsign/svarsign/server/pki"
	"github.com/svarsign/svarsign/server/provider"
	"github.com/svarsign/svarsign/server/provider/local"
	"github.com/svarsign/svarsign/server/tsa"
)

// Object is an indirect object of an update: its number and its body, the
// text between "N 0 obj" and "endobj".
type Object struct {
	Num  int
	Body string
	// Hidden objects are written but left out of the cross-reference
	// section.
	Hidden bool
}

// Slots in an object body that SignedUpdate fills in: the byte range, and
// the hex string the CMS goes into.
const (
	ByteRangeSlot = "%BYTERANGE%"
	ContentsSlot  = "%CONTENTS%"
)

// File is a PDF whose cross-reference sections are classic tables.
type File []byte

// StartXref is the offset named by the file's last startxref.
func (f File) StartXref() int {
	i := bytes.LastIndex(f, []byte("startxref"))
	if i < 0 {
		return -1
	}
	n, _ := strconv.Atoi(string(bytes.Fields(f[i+len("startxref"):])[0]))
	return n
}

var (
	reRoot = regexp.MustCompile(`/Root\s+(\d+)\s+0\s+R`)
	reInfo = regexp.MustCompile(`/Info\s+(\d+)\s+0\s+R`)
	reID   = regexp.MustCompile(`/ID\s*\[[^\]]*\]`)
	rePrev = regexp.MustCompile(`/Prev\s+(\d+)`)
	reSize = regexp.MustCompile(`/Size\s+(\d+)`)
)

// Trailer is the newest trailer dictionary's text.
func (f File) Trailer() string {
	off := f.StartXref()
	i := bytes.Index(f[off:], []byte("trailer"))
	j := bytes.Index(f[off+i:], []byte("startxref"))
	return string(f[off+i+len("trailer") : off+i+j])
}

func trailerInt(tr string, re *regexp.Regexp) int {
	m := re.FindStringSubmatch(tr)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// Offsets is where each object's newest definition starts, following the
// /Prev chain.
func (f File) Offsets() map[int]int {
	offs := map[int]int{}
	for off, seen := f.StartXref(), map[int]bool{}; off > 0 && !seen[off]; {
		seen[off] = true
		i := bytes.Index(f[off:], []byte("trailer"))
		fields := bytes.Fields(f[off+len("xref") : off+i])
		for k := 0; k+1 < len(fields); {
			first, _ := strconv.Atoi(string(fields[k]))
			count, _ := strconv.Atoi(string(fields[k+1]))
			k += 2
			for e := range count {
				o, _ := strconv.Atoi(string(fields[k]))
				if _, ok := offs[first+e]; !ok && string(fields[k+2]) == "n" {
					offs[first+e] = o
				} else if !ok {
					offs[first+e] = -1 // free
				}
				k += 3
			}
		}
		j := bytes.Index(f[off+i:], []byte("startxref"))
		off = trailerInt(string(f[off+i:off+i+j]), rePrev)
	}
	for n, o := range offs {
		if o < 0 {
			delete(offs, n)
		}
	}
	return offs
}

// Body is object n's newest body.
func (f File) Body(n int) string {
	off, ok := f.Offsets()[n]
	if !ok {
		return ""
	}
	s := string(f[off:])
	i := strings.Index(s, "obj")
	j := strings.Index(s, "endobj")
	return strings.TrimSpace(s[i+len("obj") : j])
}

// Find returns the numbers of the objects whose newest body matches re.
func (f File) Find(re string) []int {
	r := regexp.MustCompile(re)
	var out []int
	for _, n := range slices.Sorted(maps.Keys(f.Offsets())) {
		if r.MatchString(f.Body(n)) {
			out = append(out, n)
		}
	}
	return out
}

// Root is the catalog's object number; Size the trailer's /Size.
func (f File) Root() int { return trailerInt(f.Trailer(), reRoot) }
func (f File) Size() int { return trailerInt(f.Trailer(), reSize) }

// Build writes a PDF of objs with one classic cross-reference table.
func Build(root int, objs ...Object) File {
	out := []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offs := map[int]int{}
	size := 1
	for _, o := range objs {
		if !o.Hidden {
			offs[o.Num] = len(out)
		}
		size = max(size, o.Num+1)
		out = fmt.Appendf(out, "%d 0 obj\n%s\nendobj\n", o.Num, o.Body)
	}
	xref := len(out)
	out = fmt.Appendf(out, "xref\n0 %d\n0000000000 65535 f\r\n", size)
	for n := 1; n < size; n++ {
		if o, ok := offs[n]; ok {
			out = fmt.Appendf(out, "%010d 00000 n\r\n", o)
		} else {
			out = append(out, "0000000000 65535 f\r\n"...)
		}
	}
	return fmt.Appendf(out, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", size, root, xref)
}

// Stream is the body of a stream object holding data.
func Stream(dict, data string) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// UpdateOptions vary how Update writes the cross-reference section.
type UpdateOptions struct {
	NoXref bool   // no cross-reference section, trailer or startxref at all
	Full   bool   // a complete table of every object, without /Prev
	Tail   string // bytes written after everything else
	// Entries are more cross-reference entries: object number → offset,
	// anywhere in the file.
	Entries map[int]int
}

// Update appends an incremental update holding objs and a classic
// cross-reference section with /Prev.
func (f File) Update(objs ...Object) File { return f.UpdateWith(UpdateOptions{}, objs...) }

// UpdateWith appends an update as opts say.
func (f File) UpdateWith(opts UpdateOptions, objs ...Object) File {
	out := bytes.Clone(f)
	if n := len(out); n > 0 && out[n-1] != '\n' && out[n-1] != '\r' {
		out = append(out, '\n')
	}
	offs := map[int]int{}
	for _, o := range objs {
		if !o.Hidden {
			offs[o.Num] = len(out)
		}
		out = fmt.Appendf(out, "%d 0 obj\n%s\nendobj\n", o.Num, o.Body)
	}
	maps.Copy(offs, opts.Entries)
	if opts.NoXref {
		return append(out, opts.Tail...)
	}
	size := f.Size()
	for n := range offs {
		size = max(size, n+1)
	}
	tr := f.Trailer()
	xrefAt := len(out)
	out = append(out, "xref\n"...)
	if opts.Full {
		all := f.Offsets()
		maps.Copy(all, offs)
		offs = all
		out = append(out, "0 1\n0000000000 65535 f\r\n"...)
	}
	for _, n := range slices.Sorted(maps.Keys(offs)) {
		out = fmt.Appendf(out, "%d 1\n%010d 00000 n\r\n", n, offs[n])
	}
	out = fmt.Appendf(out, "trailer\n<< /Size %d /Root %d 0 R", size, trailerInt(tr, reRoot))
	if n := trailerInt(tr, reInfo); n > 0 {
		out = fmt.Appendf(out, " /Info %d 0 R", n)
	}
	if id := reID.FindString(tr); id != "" {
		out = append(out, " "+id...)
	}
	if !opts.Full {
		out = fmt.Appendf(out, " /Prev %d", f.StartXref())
	}
	out = fmt.Appendf(out, " >>\nstartxref\n%d\n%%%%EOF\n", xrefAt)
	return append(out, opts.Tail...)
}

// SignedUpdate appends objs as Update does, then fills ByteRangeSlot with
// the byte range that leaves out the hex string at ContentsSlot, and that
// hex string with what sign returns for the digest of the range. reserve
// is the bytes kept for it.
func (f File) SignedUpdate(sign func(digest []byte) ([]byte, error), reserve int, objs ...Object) (File, error) {
	const brText = "[0 0000000000 0000000000 0000000000]"
	placeholder := "<" + strings.Repeat("0", 2*reserve) + ">"
	for i, o := range objs {
		o.Body = strings.Replace(o.Body, ByteRangeSlot, brText, 1)
		objs[i].Body = strings.Replace(o.Body, ContentsSlot, placeholder, 1)
	}
	out := f.Update(objs...)
	at := bytes.Index(out[len(f):], []byte(placeholder)) + len(f)
	brAt := bytes.Index(out[len(f):], []byte(brText)) + len(f)
	if at < len(f) || brAt < len(f) {
		return nil, fmt.Errorf("verifytest: no %s or %s in the objects", ContentsSlot, ByteRangeSlot)
	}
	end := at + len(placeholder)
	br := fmt.Sprintf("[0 %010d %010d %010d]", at, end, len(out)-end)
	copy(out[brAt:], br)
	h := sha256.New()
	h.Write(out[:at])
	h.Write(out[end:])
	der, err := sign(h.Sum(nil))
	if err != nil {
		return nil, err
	}
	if len(der) > reserve {
		return nil, fmt.Errorf("verifytest: %d bytes do not fit the %d reserved", len(der), reserve)
	}
	hex.Encode(out[at+1:], der)
	return out, nil
}

// Signer signs with the service's local provider and its CA.
type Signer struct {
	P   *local.Provider
	TSA *tsa.Authority
	Dir string // the CA's folder; its root certificate is pki.RootCertFile in it
}

// NewSigner opens a local provider with a new CA in a temporary folder.
func NewSigner(t testing.TB) *Signer {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ca")
	p, err := local.Open(local.Config{Dir: dir, OrgName: "Eksempel kommune", TmpDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return &Signer{P: p, TSA: tsa.New(p.Authority().TSA, time.Now), Dir: dir}
}

// Roots trusts the CA.
func (s *Signer) Roots() *x509.CertPool { return s.P.Authority().Pool() }

// Kari is the signer of the test documents.
var Kari = provider.Signer{Name: "Kari Nordmann", NationalID: "14038510070", Level: 4, Method: "test"}

// Sign signs pdf through the local provider, as the service does: an
// advanced signature by Kari, with a front page if pdf is unsigned.
func (s *Signer) Sign(t testing.TB, pdf []byte) File {
	t.Helper()
	var out bytes.Buffer
	if _, err := s.P.Sign(context.Background(), &out, provider.Request{
		JobID: "job", Document: bytes.NewReader(pdf), Size: int64(len(pdf)), FileName: "kontrakt.pdf",
		Type: provider.Advanced, Signer: Kari,
	}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// CMS returns a function that makes the CAdES signature (B-T) with
// identity id, for pdfsign.Sign or SignedUpdate.
func (s *Signer) CMS(id pki.Identity) func(ctx context.Context, digest []byte) ([]byte, error) {
	return func(ctx context.Context, digest []byte) ([]byte, error) {
		return cms.SignDetached(ctx, digest, id, cms.Options{TimeStamp: s.TSA.Timestamp})
	}
}

// SignAs adds one signature by id with pdfsign.Sign directly: no front
// page, only the signature's own objects.
func (s *Signer) SignAs(t testing.TB, pdf []byte, id pki.Identity) File {
	t.Helper()
	var out bytes.Buffer
	if err := pdfsign.Sign(context.Background(), &out, bytes.NewReader(pdf), int64(len(pdf)),
		pdfsign.Options{Name: id.Cert.Subject.CommonName, Reason: "Countersigned"}, s.CMS(id)); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// Person issues a signer certificate from the CA.
func (s *Signer) Person(t testing.TB, name string) pki.Identity {
	t.Helper()
	id, err := s.P.Authority().IssueSigner(name, "01017012345", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// certStreams returns the CA's certificates as DSS stream objects,
// numbered from first.
func (s *Signer) certStreams(first int) ([]Object, string) {
	a := s.P.Authority()
	var objs []Object
	var refs []string
	for i, c := range []*x509.Certificate{a.Root, a.TSA.Cert, a.Seal.Cert} {
		objs = append(objs, Object{Num: first + i, Body: Stream("", string(c.Raw))})
		refs = append(refs, fmt.Sprintf("%d 0 R", first+i))
	}
	return objs, "[" + strings.Join(refs, " ") + "]"
}

// AddDSS appends a revision that adds a document security store with the
// CA's certificates, as a PAdES B-LT update does.
func (s *Signer) AddDSS(t testing.TB, f File) File {
	t.Helper()
	n := f.Size()
	certs, refs := s.certStreams(n + 1)
	root := f.Root()
	cat := strings.TrimSuffix(strings.TrimSpace(f.Body(root)), ">>") + fmt.Sprintf(" /DSS %d 0 R >>", n)
	objs := append([]Object{{Num: root, Body: cat}, {Num: n, Body: fmt.Sprintf("<< /Type /DSS /Certs %s >>", refs)}}, certs...)
	return f.Update(objs...)
}

// AddDocTimeStamp appends a revision with a DSS and a document time stamp
// (SubFilter ETSI.RFC3161) in a new invisible signature field, as a PAdES
// B-LTA update does.
func (s *Signer) AddDocTimeStamp(t testing.TB, f File) File {
	t.Helper()
	n := f.Size()
	root := f.Root()
	rootBody := f.Body(root)
	formRef := regexp.MustCompile(`/AcroForm\s+(\d+)\s+0\s+R`).FindStringSubmatch(rootBody)
	if formRef == nil {
		t.Fatal("verifytest: AddDocTimeStamp needs a file with an AcroForm object")
	}
	form, _ := strconv.Atoi(formRef[1])
	page := f.Find(`/Type\s*/Page\b`)[0]
	dss, sig, field := n, n+1, n+2
	certs, refs := s.certStreams(n + 3)
	cat := strings.TrimSuffix(strings.TrimSpace(rootBody), ">>") + fmt.Sprintf(" /DSS %d 0 R >>", dss)
	objs := []Object{
		{Num: root, Body: cat},
		{Num: form, Body: appendToArray(t, f.Body(form), "Fields", fmt.Sprintf("%d 0 R", field))},
		{Num: page, Body: appendToArray(t, f.Body(page), "Annots", fmt.Sprintf("%d 0 R", field))},
		{Num: dss, Body: fmt.Sprintf("<< /Type /DSS /Certs %s >>", refs)},
		{Num: sig, Body: "<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 /ByteRange " + ByteRangeSlot + " /Contents " + ContentsSlot + " >>"},
		{Num: field, Body: fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Sig /T (DocTimeStamp1) /V %d 0 R /Rect [0 0 0 0] /F 132 /P %d 0 R >>", sig, page)},
	}
	objs = append(objs, certs...)
	out, err := f.SignedUpdate(func(digest []byte) ([]byte, error) {
		return s.TSA.Timestamp(context.Background(), digest)
	}, 8<<10, objs...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// appendToArray adds item at the end of the direct array /key of a
// dictionary body, creating the array if there is none.
func appendToArray(t testing.TB, body, key, item string) string {
	t.Helper()
	re := regexp.MustCompile(`/` + key + `\s*\[([^\]]*)\]`)
	if m := re.FindStringIndex(body); m != nil {
		return body[:m[1]-1] + " " + item + "]" + body[m[1]:]
	}
	body = strings.TrimSpace(body)
	return strings.TrimSuffix(body, ">>") + fmt.Sprintf(" /%s [%s] >>", key, item)
}

// AppendToArray is appendToArray for tests.
func AppendToArray(t testing.TB, body, key, item string) string {
	return appendToArray(t, body, key, item)
}

// ReplaceContent appends a revision that gives content stream n new page
// content: the incremental saving attack.
func ReplaceContent(f File, n int, content string) File {
	return f.Update(Object{Num: n, Body: Stream("", content)})
}

// ForgedText is the page content the attacks put in.
const ForgedText = "FORGED: pay 1 000 000 NOK to account 6666.66.66666"

// ForgedContent draws ForgedText with the font resource name of the
// fpdf-made test pages.
func ForgedContent(f File) string {
	font := regexp.MustCompile(`/(F[0-9a-f]+)\s+\d+\s+0\s+R`).FindStringSubmatch(f.Body(f.Find(`/ProcSet`)[0]))
	name := "F1"
	if font != nil {
		name = font[1]
	}
	return fmt.Sprintf("BT /%s 14.00 Tf ET\nBT 31.19 795.17 Td (%s)Tj ET", name, ForgedText)
}

// Signatures lists the signature dictionaries of f, oldest first.
func Signatures(t testing.TB, f File) []pdfsign.Signature {
	t.Helper()
	sigs, err := pdfsign.Signatures(bytes.NewReader(f), int64(len(f)))
	if err != nil {
		t.Fatal(err)
	}
	return sigs
}

// SignatureObject is the number of the signature dictionary whose
// /ByteRange is br.
func (f File) SignatureObject(br [4]int64) int {
	objs := f.Find(fmt.Sprintf(`/ByteRange\s*\[\s*0\s+0*%d\s+0*%d\s+0*%d\s*\]`, br[1], br[2], br[3]))
	if len(objs) != 1 {
		return -1
	}
	return objs[0]
}

// ManyFields appends a revision with n more signature fields, all with
// the same signature dictionary as their value (that of the file's last
// signature).
func ManyFields(t testing.TB, f File, n int) File {
	t.Helper()
	sigs := Signatures(t, f)
	sig := f.SignatureObject(sigs[len(sigs)-1].ByteRange)
	formRef := regexp.MustCompile(`/AcroForm\s+(\d+)\s+0\s+R`).FindStringSubmatch(f.Body(f.Root()))
	if formRef == nil || sig < 0 {
		t.Fatal("verifytest: ManyFields needs a signed file with an AcroForm object")
	}
	form, _ := strconv.Atoi(formRef[1])
	first := f.Size()
	var objs []Object
	var refs []string
	for i := range n {
		objs = append(objs, Object{Num: first + i, Body: fmt.Sprintf("<< /FT /Sig /T (Copy%d) /V %d 0 R >>", i, sig)})
		refs = append(refs, fmt.Sprintf("%d 0 R", first+i))
	}
	body := f.Body(form)
	for _, r := range refs {
		body = appendToArray(t, body, "Fields", r)
	}
	return f.Update(append(objs, Object{Num: form, Body: body})...)
}

// Wrap is the signature wrapping attack on f's last signature: the first
// signed range stays, the second moves to the new end of the file, and the
// gap between them — still starting with '<' and ending with '>' — holds a
// new revision: a cross-reference section where the old one was, pointing
// the signature's object at a new dictionary with /ByteRange [0 a NEW c]
// and the original CMS, and the page content object content at new text.
func Wrap(t testing.TB, f File, content int, text string) File {
	t.Helper()
	sigs := Signatures(t, f)
	sig := sigs[len(sigs)-1]
	sigObj := f.SignatureObject(sig.ByteRange)
	a, b := int(sig.ByteRange[1]), int(sig.ByteRange[2])
	p1, hexStr, p2 := f[:a], f[a:b], f[b:]
	xrefAt := f.StartXref() // the section the last startxref names, in p2
	if xrefAt < b {
		t.Fatal("verifytest: the last cross-reference section is not after the signature")
	}
	offs := File(f).Offsets()
	// Objects of the last revision after the gap move by the gap's growth;
	// the new table lists them at their new places.
	var gap bytes.Buffer
	gap.Write(hexStr)
	for gap.Len() < xrefAt-a {
		gap.WriteByte(' ')
	}
	// The gap is laid out twice: first to learn its length, then for real.
	build := func(newEnd int) []byte {
		var g bytes.Buffer
		g.Write(gap.Bytes())
		shift := newEnd - b
		body := map[int]int{}
		var objs bytes.Buffer
		tableLen := 0
		// Rough first pass to size the table: every moved object plus two.
		moved := []int{}
		for n, o := range offs {
			if o >= b {
				moved = append(moved, n)
			}
		}
		slices.Sort(moved)
		tableLen = len("xref\n") + (len(moved)+2)*(len("1234 1\n")+20) + 400
		objStart := a + g.Len() + tableLen
		body[content] = objStart + objs.Len()
		fmt.Fprintf(&objs, "%d 0 obj\n%s\nendobj\n", content, Stream("", text))
		body[sigObj] = objStart + objs.Len()
		cms := hex.EncodeToString(sig.Contents)
		fmt.Fprintf(&objs, "%d 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /Name (%s) /ByteRange [0 %010d %010d %010d] /Contents <%s> >>\nendobj\n",
			sigObj, sig.Name, a, newEnd, len(p2), cms)
		entries := map[int]int{}
		for _, n := range moved {
			entries[n] = offs[n] + shift
		}
		maps.Copy(entries, body)
		var table bytes.Buffer
		table.WriteString("xref\n")
		for _, n := range slices.Sorted(maps.Keys(entries)) {
			fmt.Fprintf(&table, "%d 1\n%010d 00000 n\r\n", n, entries[n])
		}
		tr := f.Trailer()
		fmt.Fprintf(&table, "trailer\n<< /Size %d /Root %d 0 R", f.Size(), f.Root())
		if n := trailerInt(tr, reInfo); n > 0 {
			fmt.Fprintf(&table, " /Info %d 0 R", n)
		}
		if p := trailerInt(tr, rePrev); p > 0 {
			fmt.Fprintf(&table, " /Prev %d", p)
		}
		table.WriteString(" >>\n")
		if table.Len() > tableLen {
			t.Fatalf("verifytest: table of %d bytes overflows its %d", table.Len(), tableLen)
		}
		for table.Len() < tableLen {
			table.WriteByte(' ')
		}
		g.Write(table.Bytes())
		g.Write(objs.Bytes())
		g.WriteString("%>")
		return g.Bytes()
	}
	g := build(0)
	g = build(a + len(g))
	out := append(bytes.Clone(p1), g...)
	return append(out, p2...)
}
