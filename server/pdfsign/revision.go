package pdfsign

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// A signature covers the bytes of the file up to the end of its revision.
// What a verifier must then know is whether the file's later revisions
// changed anything a reader sees: an incremental update can replace any
// object, and a signature over the earlier bytes stays cryptographically
// valid (the incremental saving and shadow attacks). ReadHistory finds the
// revisions by parsing the cross-reference chain, not by trusting byte
// ranges, and compares what each later revision defines with the revision
// before it.

// History is the revisions of a file, oldest first: the original and each
// incremental update.
type History struct {
	Revisions []Revision

	// Trailing says what is wrong at the end of the file, if anything:
	// bytes after the last revision's %%EOF, or a newest cross-reference
	// section that does not end with its own startxref and %%EOF. Those
	// bytes belong to no revision, so no signature covers them.
	Trailing string
}

// Revision is one revision: bytes [Start, End) of the file.
type Revision struct {
	Start int64
	EOF   int64 // just after its "%%EOF"
	End   int64 // EOF, plus the end-of-line after it if there is one
	XRef  int64 // offset of its newest cross-reference section

	// Analysed reports whether Changes were worked out (ReadHistory
	// analyses the revisions from a given offset on).
	Analysed bool
	// Changes lists what the revision changed compared with the revisions
	// before it, and anything wrong in its structure.
	Changes []Change
}

// Forbidden returns the changes that are not allowed after a signature.
func (r *Revision) Forbidden() []Change {
	var out []Change
	for _, c := range r.Changes {
		if !c.Allowed {
			out = append(out, c)
		}
	}
	return out
}

// Change is one thing a revision changed.
type Change struct {
	Object int64  // the object number; 0 for a change of the structure or the trailer
	Kind   string // "added", "replaced", "deleted", "rewritten unchanged", or "structure"
	What   string // what the object is: "page 1", "font", "signature dictionary"
	Detail string // what changed: "/Contents changed"

	// Allowed reports whether the change is one a signature may be
	// followed by: a later signature's own objects, DSS data, or a
	// document time stamp.
	Allowed bool
}

func (c Change) String() string {
	var b strings.Builder
	if c.Object > 0 {
		fmt.Fprintf(&b, "object %d", c.Object)
		if c.What != "" {
			fmt.Fprintf(&b, " (%s)", c.What)
		}
		b.WriteString(" " + c.Kind)
	} else if c.What != "" {
		b.WriteString(c.What)
	}
	if c.Detail != "" {
		b.WriteString(": " + c.Detail)
	}
	return b.String()
}

// Limits for the analysis, so that a hostile file cannot make it run long.
const (
	maxViewWork    = 1 << 24 // cross-reference entries copied building the revisions' views
	maxScanObjects = 1 << 20 // objects read to find references
)

// ReadHistory finds the revisions of a file and analyses every revision
// that starts at or after offset from (0 analyses all but the first).
func ReadHistory(src io.ReaderAt, size, from int64) (_ *History, err error) {
	defer catch("revisions", &err)
	h, err := readHistory(src, size, from)
	if err != nil {
		return nil, fmt.Errorf("pdfsign: revisions: %w", err)
	}
	return h, nil
}

// section is one cross-reference section of the chain and the
// "startxref N %%EOF" marker after it.
type section struct {
	off     int64
	entries map[int64]xrefEntry // this section's entries only
	trailer dict
	stream  bool
	end     int64 // just after the trailer dictionary or the xref stream's endobj
	mark    int64 // N of the marker after the section; -1 if there is none
	eof     int64 // just after the marker's %%EOF
	eol     int64 // eof plus the end-of-line after it
}

func readHistory(src io.ReaderAt, size, from int64) (*History, error) {
	d, err := open(src, size)
	if err != nil {
		return nil, err
	}
	secs, err := d.chain()
	if err != nil {
		return nil, damaged(err)
	}
	index := map[int64]int{}
	for i, s := range secs {
		index[s.off] = i
	}
	// A revision ends at a marker after one of the chain's sections whose
	// startxref names a section of the chain at or newer than it (newer:
	// a linearized file's first-page section) and whose older sections all
	// lie before it.
	type cand struct {
		top      int
		eof, eol int64
	}
	var cands []cand
	for i, s := range secs {
		j, ok := index[s.mark]
		if s.mark < 0 || !ok || j > i {
			continue
		}
		inside := true
		for _, o := range secs[j:] {
			inside = inside && o.end <= s.eof
		}
		if inside {
			cands = append(cands, cand{j, s.eof, s.eol})
		}
	}
	slices.SortFunc(cands, func(a, b cand) int { return cmp.Compare(a.eof, b.eof) })
	h := &History{}
	for k, c := range cands {
		if k > 0 && (c.top >= cands[k-1].top || c.eof == cands[k-1].eof) {
			return nil, damaged(errors.New("cross-reference sections are out of order"))
		}
	}
	switch {
	case len(cands) == 0:
		h.Trailing = "no cross-reference section ends with its own startxref and %%EOF"
		return h, nil
	case cands[len(cands)-1].top != 0:
		h.Trailing = fmt.Sprintf("the newest cross-reference section (at offset %d) does not end with its own startxref and %%%%EOF", secs[0].off)
	case cands[len(cands)-1].eol < size:
		h.Trailing = fmt.Sprintf("%d bytes after the last %%%%EOF belong to no revision", size-cands[len(cands)-1].eol)
	}

	// tops[k] is the chain index of revision k's newest section; revision
	// k holds chain sections tops[k] up to (not including) tops[k-1].
	tops := make([]int, len(cands))
	for k, c := range cands {
		var start int64
		if k > 0 {
			start = h.Revisions[k-1].End
		}
		tops[k] = c.top
		h.Revisions = append(h.Revisions, Revision{Start: start, EOF: c.eof, End: c.eol, XRef: secs[c.top].off})
	}
	sectionsOf := func(k int) []section { // newest first
		if k == 0 {
			return secs[tops[0]:]
		}
		return secs[tops[k]:tops[k-1]]
	}
	for k := range h.Revisions {
		rev := &h.Revisions[k]
		if k > 0 {
			for _, s := range sectionsOf(k) {
				if s.off < rev.Start || s.end > rev.EOF {
					rev.Changes = append(rev.Changes, Change{Kind: "structure", What: "cross-reference section",
						Detail: fmt.Sprintf("the section at offset %d lies outside the revision's bytes (%d to %d)", s.off, rev.Start, rev.EOF)})
				}
			}
		}
		// An entry pointing past its revision's end names bytes that a
		// later revision supplies without changing the cross-reference: a
		// change no diff of the entries would see.
		for _, s := range sectionsOf(k) {
			for _, n := range slices.Sorted(maps.Keys(s.entries)) {
				e := s.entries[n]
				if e.free || e.stm > 0 || e.off < rev.EOF || e.off >= size {
					continue
				}
				if t := h.revisionAt(e.off); t > k {
					h.Revisions[t].Changes = append(h.Revisions[t].Changes, Change{Object: n, Kind: "structure",
						Detail: fmt.Sprintf("revision %d's cross-reference already pointed at this revision's bytes (offset %d): a reference ahead of its revision", k+1, e.off)})
				}
			}
		}
	}

	first := 1
	for first < len(h.Revisions) && h.Revisions[first].Start < from {
		first++
	}
	if first >= len(h.Revisions) {
		return h, nil
	}
	view := map[int64]xrefEntry{}
	for _, s := range secs[tops[first-1]:] {
		for n, e := range s.entries {
			if _, ok := view[n]; !ok {
				view[n] = e
			}
		}
	}
	prev := d.view(view, secs[tops[first-1]], h.Revisions[first-1].EOF)
	refs, err := prev.allRefs()
	if err != nil {
		return nil, err
	}
	work := len(view)
	for k := first; k < len(h.Revisions); k++ {
		next := maps.Clone(view)
		if work += len(next); work > maxViewWork {
			return nil, errors.New("too many revisions and objects to analyse")
		}
		changed := map[int64]bool{}
		own := sectionsOf(k)
		for i := len(own) - 1; i >= 0; i-- {
			for n, e := range own[i].entries {
				next[n] = e
				changed[n] = true
			}
		}
		cur := d.view(next, secs[tops[k]], h.Revisions[k].EOF)
		a := &analysis{rev: &h.Revisions[k], old: prev, cur: cur, changed: changed, sections: own, refsBefore: refs}
		a.run()
		h.Revisions[k].Analysed = true
		view, prev = next, cur
	}
	return h, nil
}

// revisionAt returns the index of the revision holding offset off, or -1.
func (h *History) revisionAt(off int64) int {
	i, _ := slices.BinarySearchFunc(h.Revisions, off, func(r Revision, off int64) int {
		if r.End <= off {
			return -1
		}
		if r.Start > off {
			return 1
		}
		return 0
	})
	if i < len(h.Revisions) && h.Revisions[i].Start <= off && off < h.Revisions[i].End {
		return i
	}
	return -1
}

// view is the document as of the revision whose newest section is top:
// entries is the merged cross-reference of it and all older revisions, and
// nothing past end is read.
func (d *document) view(entries map[int64]xrefEntry, top section, end int64) *document {
	return &document{r: d.r, size: end, xref: entries, trailer: top.trailer, startxref: top.off,
		xrefStream: top.stream, objStms: map[int64]objStm{}, budget: d.budget, maxEntries: d.maxEntries}
}

// chain reads every cross-reference section of the /Prev chain, newest
// first, each on its own.
func (d *document) chain() ([]section, error) {
	var secs []section
	seen := map[int64]bool{}
	for off := d.startxref; ; {
		if seen[off] {
			return nil, fmt.Errorf("cross-reference sections loop at offset %d", off)
		}
		if len(seen) >= maxXrefSections {
			return nil, errors.New("too many cross-reference sections")
		}
		seen[off] = true
		s, err := d.section(off)
		if err != nil {
			return nil, fmt.Errorf("cross-reference section at offset %d: %w", off, err)
		}
		secs = append(secs, s)
		prev, ok := s.trailer.int("Prev")
		if !ok {
			return secs, nil
		}
		off = prev
	}
}

func (d *document) section(off int64) (section, error) {
	one := &document{r: d.r, size: d.size, xref: map[int64]xrefEntry{}, objStms: map[int64]objStm{},
		budget: d.budget, maxEntries: d.maxEntries}
	trailer, isStream, err := one.readSection(off)
	if err != nil {
		return section{}, err
	}
	s := section{off: off, entries: one.xref, trailer: trailer, stream: isStream, mark: -1}
	// A section whose end cannot be found (an xref stream with a wrong
	// /Length, say) ends no revision; readers may still use it, so it is
	// not an error here.
	if s.end, err = d.sectionEnd(off, isStream); err != nil {
		s.end = off + 1
		return s, nil
	}
	s.mark, s.eof, s.eol = d.marker(s.end)
	return s, nil
}

// sectionEnd finds where the section at off ends: after its trailer
// dictionary, or after the endobj of its xref stream.
func (d *document) sectionEnd(off int64, isStream bool) (int64, error) {
	l := d.lexerAt(off)
	if !isStream {
		for {
			t, err := l.token()
			if err != nil {
				return 0, unexpectedEOF(err)
			}
			if t == keyword("trailer") {
				break
			}
		}
		if _, err := l.object(0); err != nil {
			return 0, fmt.Errorf("trailer: %w", err)
		}
		return l.pos, nil
	}
	end, err := d.streamObjectEnd(off)
	if err != nil {
		return 0, fmt.Errorf("xref stream: %w", err)
	}
	return end, nil
}

// streamEnd returns the offset just after the endobj of stream s, whose
// /Length is resolved in doc.
func (d *document) streamEnd(doc *document, s stream) (int64, error) {
	length, err := doc.resolve(s.dict["Length"])
	if err != nil {
		return 0, fmt.Errorf("stream /Length: %w", err)
	}
	n, ok := length.(int64)
	if !ok || n < 0 || n > d.size-s.off {
		return 0, errors.New("bad stream /Length")
	}
	l := d.lexerAt(s.off + n)
	for _, want := range []keyword{"endstream", "endobj"} {
		if t, err := l.token(); err != nil || t != want {
			return 0, fmt.Errorf("no %s after the stream's /Length bytes (at offset %d)", want, s.off+n)
		}
	}
	return l.pos, nil
}

// marker reads "startxref N %%EOF" and an optional end-of-line at off
// (after white space). mark is -1 if there is no such marker.
func (d *document) marker(off int64) (mark, eof, eol int64) {
	buf := make([]byte, min(128, max(d.size-off, 0)))
	n, _ := d.r.ReadAt(buf, off)
	b := buf[:n]
	i := 0
	skip := func() {
		for i < len(b) && isSpace(b[i]) && b[i] != 0 {
			i++
		}
	}
	skip()
	if !bytes.HasPrefix(b[i:], []byte("startxref")) {
		return -1, 0, 0
	}
	i += len("startxref")
	skip()
	j := i
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	v, err := strconv.ParseInt(string(b[j:i]), 10, 64)
	if err != nil {
		return -1, 0, 0
	}
	skip()
	if !bytes.HasPrefix(b[i:], []byte("%%EOF")) {
		return -1, 0, 0
	}
	i += len("%%EOF")
	eof = off + int64(i)
	switch {
	case bytes.HasPrefix(b[i:], []byte("\r\n")):
		i += 2
	case i < len(b) && (b[i] == '\n' || b[i] == '\r'):
		i++
	}
	return v, eof, off + int64(i)
}

// allRefs returns the object numbers that any object of the document
// refers to.
func (d *document) allRefs() (map[int64]bool, error) {
	if len(d.xref) > maxScanObjects {
		return nil, fmt.Errorf("more than %d objects", maxScanObjects)
	}
	refs := map[int64]bool{}
	add := func(v any) { eachRef(v, func(r ref) { refs[r.num] = true }) }
	stms := map[int64][]int64{}
	for _, n := range slices.Sorted(maps.Keys(d.xref)) {
		e := d.xref[n]
		switch {
		case e.free:
		case e.stm > 0:
			stms[e.stm] = append(stms[e.stm], n)
		default:
			// An object that cannot be read refers to nothing a reader
			// can follow either.
			if v, err := d.object(ref{n, e.gen}); err == nil {
				add(v)
			}
		}
	}
	for stm := range stms {
		objs, err := d.objStmAll(stm)
		if err != nil {
			continue
		}
		for _, v := range objs {
			add(v)
		}
	}
	return refs, nil
}

// objStmAll parses every object of object stream stm in one pass.
func (d *document) objStmAll(stm int64) ([]any, error) {
	se, ok := d.xref[stm]
	if !ok || se.free || se.stm > 0 {
		return nil, fmt.Errorf("object stream %d missing", stm)
	}
	v, err := d.lexerAt(se.off).indirect(ref{stm, se.gen})
	if err != nil {
		return nil, err
	}
	s, ok := v.(stream)
	if !ok || s.dict.name("Type") != "ObjStm" {
		return nil, fmt.Errorf("object %d is not an object stream", stm)
	}
	data, err := d.streamData(s)
	if err != nil {
		return nil, err
	}
	first, ok := s.dict.int("First")
	if !ok || first < 0 || first > int64(len(data)) {
		return nil, errors.New("bad /First")
	}
	var out []any
	l := newLexer(bytes.NewReader(data[:first]), 0)
	for {
		t1, err1 := l.token()
		t2, err2 := l.token()
		_, ok1 := t1.(int64)
		off, ok2 := t2.(int64)
		if err1 != nil || err2 != nil || !ok1 || !ok2 || off < 0 || first+off >= int64(len(data)) {
			return out, nil
		}
		if v, err := newLexer(bytes.NewReader(data[first+off:]), -1).object(0); err == nil {
			out = append(out, v)
		}
	}
}

// eachRef calls fn for every reference inside v.
func eachRef(v any, fn func(ref)) {
	switch v := v.(type) {
	case ref:
		fn(v)
	case array:
		for _, e := range v {
			eachRef(e, fn)
		}
	case dict:
		for _, e := range v {
			eachRef(e, fn)
		}
	case stream:
		eachRef(v.dict, fn)
	}
}

// analysis compares one revision (cur) with the one before it (old).
type analysis struct {
	rev        *Revision
	old, cur   *document
	changed    map[int64]bool // object numbers this revision's sections list
	sections   []section
	refsBefore map[int64]bool // numbers referred to by the objects before this revision; updated for the next

	added, replaced map[int64]bool
	done            map[int64]bool // objects whose change is reported
	owned           map[int64]string
	pages           map[int64]string // object number → "page N" / "content stream of page N", in old
}

func (a *analysis) report(c Change) {
	a.rev.Changes = append(a.rev.Changes, c)
	if c.Object > 0 {
		a.done[c.Object] = true
	}
}

func (a *analysis) forbid(n int64, kind, what, format string, args ...any) {
	a.report(Change{Object: n, Kind: kind, What: what, Detail: fmt.Sprintf(format, args...)})
}

func (a *analysis) allow(n int64, kind, what, format string, args ...any) {
	a.report(Change{Object: n, Kind: kind, What: what, Detail: fmt.Sprintf(format, args...), Allowed: true})
}

func (a *analysis) run() {
	a.added, a.replaced, a.done, a.owned = map[int64]bool{}, map[int64]bool{}, map[int64]bool{}, map[int64]string{}
	a.entries()
	a.scan()
	a.trailer()
	a.catalog()
	a.rest()
	a.ownership()
	for _, n := range slices.Sorted(maps.Keys(a.added)) {
		if a.refsBefore[n] {
			a.forbid(n, "added", a.whatNew(n), "the revisions before already referred to this object number, so defining it now changes what they show")
		}
	}
	for n := range a.added {
		if v, err := a.cur.object(ref{n, 0}); err == nil {
			eachRef(v, func(r ref) { a.refsBefore[r.num] = true })
		}
	}
	for n := range a.replaced {
		if v, err := a.cur.object(ref{n, 0}); err == nil {
			eachRef(v, func(r ref) { a.refsBefore[r.num] = true })
		}
	}
	// Report each object once, the forbidden reason first.
	slices.SortStableFunc(a.rev.Changes, func(x, y Change) int {
		if x.Allowed != y.Allowed {
			if x.Allowed {
				return 1
			}
			return -1
		}
		return 0
	})
}

// entries sorts the revision's cross-reference entries into added,
// replaced and deleted objects, refusing entries that point outside the
// revision's own bytes: a new entry that points back into signed bytes
// makes an object nobody signed for (hide-and-replace).
func (a *analysis) entries() {
	for _, n := range slices.Sorted(maps.Keys(a.changed)) {
		ne := a.cur.xref[n]
		oe, had := a.old.xref[n]
		if had && oe == ne {
			continue // listed again, unchanged
		}
		oldInUse, newInUse := had && !oe.free, !ne.free
		switch {
		case newInUse && ne.stm == 0 && (ne.off < a.rev.Start || ne.off >= a.rev.EOF):
			a.forbid(n, "replaced", a.whatOld(n), "the new cross-reference entry points at offset %d, outside this revision's bytes (%d to %d)", ne.off, a.rev.Start, a.rev.EOF)
			continue
		case newInUse && ne.stm > 0 && !a.changed[ne.stm]:
			a.forbid(n, "replaced", a.whatOld(n), "the new cross-reference entry places it in object stream %d of an earlier revision", ne.stm)
			continue
		}
		switch {
		case !oldInUse && newInUse:
			a.added[n] = true
		case oldInUse && !newInUse:
			a.forbid(n, "deleted", a.whatOld(n), "the object was removed")
		case oldInUse && newInUse:
			a.replaced[n] = true
		}
	}
}

// scan walks the revision's bytes object by object: every object written
// there must be one its cross-reference section lists at that offset, and
// every entry must point at the start of its object. A hidden object is
// one a repairing reader might show.
func (a *analysis) scan() {
	end := a.rev.EOF
	skipTo := map[int64]int64{}
	for _, s := range a.sections {
		skipTo[s.off] = s.end
		if x, ok := s.trailer.int("XRefStm"); ok && !s.stream {
			if e, err := a.cur.streamObjectEnd(x); err == nil {
				skipTo[x] = e
			}
		}
	}
	found := map[int64]int64{} // offset → object number
	lexAt := func(off int64) *lexer {
		return newLexer(io.NewSectionReader(a.cur.r, off, max(end-off, 0)), off)
	}
	l := lexAt(a.rev.Start)
	bad := func(at int64, format string, args ...any) {
		a.forbid(0, "structure", "", "unreadable bytes at offset %d: %s", at, fmt.Sprintf(format, args...))
	}
scan:
	for {
		if _, err := l.skipSpace(); err == io.EOF {
			break
		} else if err != nil {
			bad(l.pos, "%v", err)
			break
		}
		at := l.pos - 1
		l.unreadByte()
		if e, ok := skipTo[at]; ok {
			l = lexAt(e)
			continue
		}
		t, err := l.token()
		if err != nil {
			bad(at, "%v", err)
			break
		}
		switch t := t.(type) {
		case keyword:
			if t != "startxref" {
				bad(at, "%q", string(t))
				break scan
			}
			if n, err := l.token(); err != nil {
				bad(at, "startxref without an offset")
				break scan
			} else if _, ok := n.(int64); !ok {
				bad(at, "startxref without an offset")
				break scan
			}
		case int64:
			g, err1 := l.token()
			o, err2 := l.token()
			if _, ok := g.(int64); err1 != nil || err2 != nil || !ok || o != keyword("obj") {
				bad(at, "not an object")
				break scan
			}
			v, err := l.object(0)
			if err != nil {
				bad(at, "object %d: %v", t, err)
				break scan
			}
			kw, err := l.token()
			switch {
			case err == nil && kw == keyword("endobj"):
			case err == nil && kw == keyword("stream"):
				dv, ok := v.(dict)
				if !ok {
					bad(at, "object %d: stream without a dictionary", t)
					break scan
				}
				s, err := l.streamStart(dv)
				if err != nil {
					bad(at, "object %d: %v", t, err)
					break scan
				}
				e, err := a.cur.streamEnd(a.cur, s)
				if err != nil {
					bad(at, "object %d: %v", t, err)
					break scan
				}
				l = lexAt(e)
			default:
				bad(at, "object %d has no endobj", t)
				break scan
			}
			found[at] = t
		default:
			bad(at, "%v", t)
			break scan
		}
	}
	for at, n := range found {
		if e, ok := a.cur.xref[n]; !ok || !a.changed[n] || e.free || e.stm > 0 || e.off != at {
			a.forbid(n, "hidden", "", "written at offset %d but not listed there by the revision's cross-reference section", at)
		}
	}
	for n := range a.changed {
		e := a.cur.xref[n]
		_, section := skipTo[e.off] // an xref stream may list itself
		if (a.added[n] || a.replaced[n]) && e.stm == 0 && found[e.off] != n && !section {
			a.forbid(n, "replaced", "", "the cross-reference entry points at offset %d, where no object %d starts", e.off, n)
		}
	}
}

// streamObjectEnd returns where the stream object at off ends.
func (d *document) streamObjectEnd(off int64) (int64, error) {
	l := d.lexerAt(off)
	t, err := l.token()
	num, ok := t.(int64)
	if err != nil || !ok {
		return 0, errors.New("no object")
	}
	l.back = append(l.back, t)
	v, err := l.indirect(ref{num, 0})
	if err != nil {
		return 0, err
	}
	s, ok := v.(stream)
	if !ok {
		return 0, errors.New("not a stream")
	}
	return d.streamEnd(d, s)
}

// trailer: the catalog and the document information stay the same
// objects.
func (a *analysis) trailer() {
	for _, k := range []name{"Root", "Info"} {
		if !equalValue(a.old.trailer[k], a.cur.trailer[k]) {
			a.forbid(0, "structure", "trailer", "/%s changed from %s to %s", k, show(a.old.trailer[k]), show(a.cur.trailer[k]))
		}
	}
}

// catalog checks the catalog and the AcroForm: the catalog may only gain or
// change /AcroForm, /DSS and /Extensions; the AcroForm only gain signature
// fields and set /SigFlags.
func (a *analysis) catalog() {
	rootRef, ok := a.cur.trailer["Root"].(ref)
	if !ok || !equalValue(a.old.trailer["Root"], a.cur.trailer["Root"]) {
		return
	}
	oldCat, err1 := a.old.dict(rootRef)
	newCat, err2 := a.cur.dict(rootRef)
	if err1 != nil || err2 != nil {
		if a.replaced[rootRef.num] {
			a.forbid(rootRef.num, "replaced", "catalog", "unreadable: %v", errors.Join(err1, err2))
		}
		return
	}
	if a.replaced[rootRef.num] {
		keys := dictDiff(oldCat, newCat)
		var bad []string
		for _, k := range keys {
			if k != "AcroForm" && k != "DSS" && k != "Extensions" {
				bad = append(bad, "/"+string(k))
			}
		}
		if len(bad) > 0 {
			a.forbid(rootRef.num, "replaced", "catalog", "%s changed", strings.Join(bad, ", "))
		} else if len(keys) == 0 {
			a.allow(rootRef.num, "rewritten unchanged", "catalog", "")
		} else {
			a.allow(rootRef.num, "replaced", "catalog", "%s changed", names(keys))
		}
	}

	// The AcroForm, direct in the catalog or an object of its own, with
	// /Fields direct or an object of its own.
	oldForm, _ := a.old.dict(oldCat["AcroForm"])
	newForm, err := a.cur.dict(newCat["AcroForm"])
	formRef, formIsRef := newCat["AcroForm"].(ref)
	fieldsRef, fieldsIsRef := newForm["Fields"].(ref)
	formChanged := !equalValue(oldCat["AcroForm"], newCat["AcroForm"]) ||
		formIsRef && (a.added[formRef.num] || a.replaced[formRef.num]) ||
		fieldsIsRef && (a.added[fieldsRef.num] || a.replaced[fieldsRef.num])
	if formChanged {
		what := "AcroForm"
		n := int64(0)
		if formIsRef {
			n = formRef.num
		}
		if err != nil {
			a.forbid(n, "replaced", what, "unreadable: %v", err)
			return
		}
		var bad []string
		for _, k := range dictDiff(oldForm, newForm) {
			if k != "Fields" && k != "SigFlags" {
				bad = append(bad, "/"+string(k))
			}
		}
		oldFields, _ := a.old.array(oldForm["Fields"])
		newFields, err := a.cur.array(newForm["Fields"])
		gained, ok := appended(oldFields, newFields)
		var detail []string
		switch {
		case err != nil:
			bad = append(bad, "/Fields unreadable")
		case !ok:
			bad = append(bad, "/Fields lost or reordered fields")
		}
		for _, f := range gained {
			r, ok := f.(ref)
			if !ok || !a.cur.isSigField(f) {
				bad = append(bad, fmt.Sprintf("/Fields gained %s, which is not a signature field", show(f)))
				continue
			}
			a.root(r, "signature field")
			detail = append(detail, fmt.Sprintf("/Fields gained signature field %d", r.num))
		}
		kind := "replaced"
		if formIsRef && a.added[formRef.num] {
			kind = "added"
		}
		if len(bad) > 0 {
			a.forbid(n, kind, what, "%s", strings.Join(bad, "; "))
		} else {
			if !equalValue(oldForm["SigFlags"], newForm["SigFlags"]) {
				detail = append(detail, fmt.Sprintf("/SigFlags %s", show(newForm["SigFlags"])))
			}
			a.allow(n, kind, what, "%s", strings.Join(detail, ", "))
		}
		if fieldsIsRef && (a.added[fieldsRef.num] || a.replaced[fieldsRef.num]) {
			a.done[fieldsRef.num] = true
		}
	}

	// A DSS, new or updated, and everything in it.
	if v := newCat["DSS"]; v != nil {
		if r, ok := v.(ref); ok && (a.added[r.num] || a.replaced[r.num]) {
			oldRef, _ := oldCat["DSS"].(ref)
			if a.added[r.num] || oldRef == r {
				a.root(r, "DSS")
				a.allow(r.num, map[bool]string{true: "added", false: "replaced"}[a.added[r.num]], "DSS", "document security store")
			}
		} else if _, ok := v.(dict); ok {
			eachRef(v, func(r ref) { a.root(r, "DSS") })
		}
		if oldDSS := oldCat["DSS"]; oldDSS != nil {
			// Objects of the DSS before may be updated (arrays of
			// certificates, OCSP responses and CRLs).
			a.walkOld(oldDSS, func(n int64) {
				if a.replaced[n] && !a.done[n] {
					a.root(ref{n, 0}, "DSS")
					a.allow(n, "replaced", "DSS data", "updated")
				}
			})
		}
	}
}

// walkOld calls fn for each object reachable from v in the revision before.
func (a *analysis) walkOld(v any, fn func(int64)) {
	seen := map[int64]bool{}
	var walk func(v any)
	walk = func(v any) {
		eachRef(v, func(r ref) {
			if seen[r.num] || len(seen) > maxScanObjects {
				return
			}
			seen[r.num] = true
			fn(r.num)
			if o, err := a.old.object(r); err == nil {
				walk(o)
			}
		})
	}
	walk(v)
}

// rest judges the replaced objects not yet judged: a page may only gain
// signature widgets in /Annots, an array (such as an indirect /Annots)
// only signature fields or widgets at its end, an unsigned signature field
// only its /V and appearance; anything else is a forbidden change.
func (a *analysis) rest() {
	for _, n := range slices.Sorted(maps.Keys(a.replaced)) {
		if a.done[n] {
			continue
		}
		what := a.whatOld(n)
		ov, err1 := a.old.object(ref{n, 0})
		nv, err2 := a.cur.object(ref{n, 0})
		if err := errors.Join(err1, err2); err != nil {
			a.forbid(n, "replaced", what, "unreadable: %v", err)
			continue
		}
		same, detail := a.same(ov, nv)
		if same {
			a.allow(n, "rewritten unchanged", what, "")
			continue
		}
		od, oIsDict := ov.(dict)
		nd, nIsDict := nv.(dict)
		oa, oIsArray := ov.(array)
		na, nIsArray := nv.(array)
		switch {
		case oIsDict && nIsDict && od.name("Type") == "Page" && onlyKeys(dictDiff(od, nd), "Annots"):
			oldAnnots, _ := a.old.array(od["Annots"])
			newAnnots, err := a.cur.array(nd["Annots"])
			if gained, ok := appended(oldAnnots, newAnnots); err == nil && ok && a.sigWidgets(gained) {
				a.allow(n, "replaced", what, "/Annots gained signature widget %s", refList(gained))
				continue
			}
			a.forbid(n, "replaced", what, "/Annots changed other than by gaining a signature widget")
		case oIsArray && nIsArray:
			if gained, ok := appended(oa, na); ok && a.sigWidgets(gained) {
				a.allow(n, "replaced", what, "gained signature field %s", refList(gained))
				continue
			}
			a.forbid(n, "replaced", what, "%s", detail)
		case oIsDict && nIsDict && od.name("FT") == "Sig" && od["V"] == nil && onlyKeys(dictDiff(od, nd), "V", "AP"):
			a.root(ref{n, 0}, "signature field")
			a.checkSigField(n, nv)
			if !a.done[n] {
				a.allow(n, "replaced", what, "signed: /V set")
			}
		default:
			a.forbid(n, "replaced", what, "%s", detail)
		}
	}
}

// sigWidgets reports whether every element of refs is a reference to a
// signature field or widget, and makes them roots of the revision's own
// objects.
func (a *analysis) sigWidgets(refs array) bool {
	for _, v := range refs {
		if _, ok := v.(ref); !ok || !a.cur.isSigField(v) {
			return false
		}
	}
	for _, v := range refs {
		a.root(v.(ref), "signature field")
	}
	return true
}

// roots are the entry points of a signature's, a time stamp's or the DSS's
// own objects: new objects reachable from them belong to them.
func (a *analysis) root(r ref, role string) {
	if a.owned[r.num] == "" {
		a.owned[r.num] = role
	}
}

// ownership walks from the roots through new objects, checks the new
// signature fields, and forbids every new object that belongs to none.
func (a *analysis) ownership() {
	queue := slices.Sorted(maps.Keys(a.owned))
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		v, err := a.cur.object(ref{n, 0})
		if err != nil {
			continue
		}
		role := a.owned[n]
		if role == "signature field" && a.added[n] {
			a.checkSigField(n, v)
		}
		label := role
		if !strings.HasPrefix(label, "part of ") {
			label = fmt.Sprintf("part of %s %d", role, n)
		}
		eachRef(v, func(r ref) {
			if a.added[r.num] && a.owned[r.num] == "" {
				a.owned[r.num] = label
				queue = append(queue, r.num)
			}
		})
	}
	for _, n := range slices.Sorted(maps.Keys(a.added)) {
		if a.done[n] {
			continue
		}
		v, err := a.cur.object(ref{n, 0})
		if err != nil {
			a.forbid(n, "added", "", "unreadable: %v", err)
			continue
		}
		what := describe(v)
		switch role := a.owned[n]; {
		case strings.HasPrefix(role, "part of "):
			a.allow(n, "added", what, "%s", role)
		case role != "":
			a.allow(n, "added", what, "")
		case what == "cross-reference stream" || what == "object stream":
			a.allow(n, "added", what, "")
		default:
			a.forbid(n, "added", what, "not part of a signature, a document time stamp or the DSS")
		}
	}
}

// checkSigField checks a new signature field: its value, if any, must be a
// new signature dictionary.
func (a *analysis) checkSigField(n int64, v any) {
	f, ok := v.(dict)
	if !ok || f["V"] == nil {
		return
	}
	// The value is read only if it is new: many fields may share one.
	r, isRef := f["V"].(ref)
	if !isRef || !a.added[r.num] {
		a.forbid(n, "added", "signature field", "its /V is not a signature dictionary of this revision")
		return
	}
	sd, err := a.cur.dict(r)
	switch {
	case err != nil:
		a.forbid(n, "added", "signature field", "its /V is unreadable: %v", err)
	case sd.name("Type") != "Sig" && sd.name("Type") != "DocTimeStamp":
		a.forbid(n, "added", "signature field", "its /V is a %s, not a signature dictionary", describe(sd))
	}
}

// isSigField reports whether v is a signature field (or its widget):
// /FT /Sig, itself or inherited.
func (d *document) isSigField(v any) bool {
	f, err := d.dict(v)
	for range maxNesting {
		if err != nil {
			return false
		}
		if ft := f.name("FT"); ft != "" {
			return ft == "Sig"
		}
		if f["Parent"] == nil {
			return false
		}
		f, err = d.dict(f["Parent"])
	}
	return false
}

// whatOld and whatNew describe object n as it was before this revision and
// as it is now.
func (a *analysis) whatOld(n int64) string {
	if p := a.pageLabel(n); p != "" {
		return p
	}
	v, err := a.old.object(ref{n, 0})
	if err != nil {
		return ""
	}
	return describe(v)
}

func (a *analysis) whatNew(n int64) string {
	v, err := a.cur.object(ref{n, 0})
	if err != nil {
		return ""
	}
	return describe(v)
}

// pageLabel names pages and their content streams by page number, as the
// revision before had them.
func (a *analysis) pageLabel(n int64) string {
	if a.pages == nil {
		a.pages = map[int64]string{}
		if _, _, _, pages, err := a.old.catalog(); err == nil {
			count := 0
			seen := map[int64]bool{}
			var walk func(node dict, depth int)
			walk = func(node dict, depth int) {
				kids, err := a.old.array(node["Kids"])
				if err != nil || depth > maxNesting {
					return
				}
				for _, k := range kids {
					r, ok := k.(ref)
					if !ok || seen[r.num] || len(seen) > maxScanObjects {
						continue
					}
					seen[r.num] = true
					kid, err := a.old.dict(r)
					if err != nil {
						continue
					}
					if kid.name("Type") == "Pages" {
						a.pages[r.num] = "page tree node"
						walk(kid, depth+1)
						continue
					}
					count++
					a.pages[r.num] = fmt.Sprintf("page %d", count)
					c := kid["Contents"]
					if arr, err := a.old.array(c); err == nil && arr != nil {
						if cr, ok := c.(ref); ok {
							a.pages[cr.num] = fmt.Sprintf("content array of page %d", count)
						}
						c = arr
					}
					eachRef(c, func(cr ref) {
						if a.pages[cr.num] == "" {
							a.pages[cr.num] = fmt.Sprintf("content stream of page %d", count)
						}
					})
				}
			}
			walk(pages, 0)
		}
	}
	return a.pages[n]
}

// describe names what kind of object v is.
func describe(v any) string {
	var d dict
	isStream := false
	switch v := v.(type) {
	case stream:
		d, isStream = v.dict, true
	case dict:
		d = v
	case array:
		return "array"
	case nil:
		return "null"
	default:
		return "number or string"
	}
	t, st := d.name("Type"), d.name("Subtype")
	switch {
	case t == "Catalog":
		return "catalog"
	case t == "Pages":
		return "page tree node"
	case t == "Page":
		return "page"
	case t == "Sig":
		return "signature dictionary"
	case t == "DocTimeStamp":
		return "document time stamp"
	case t == "DSS":
		return "DSS"
	case t == "XRef" && isStream:
		return "cross-reference stream"
	case t == "ObjStm" && isStream:
		return "object stream"
	case t == "Font" || d["BaseFont"] != nil:
		return "font"
	case t == "FontDescriptor":
		return "font descriptor"
	case st == "Form" && isStream:
		return "form XObject"
	case st == "Image" && isStream:
		return "image"
	case d["FT"] != nil:
		ft := d.name("FT")
		if ft == "Sig" {
			return "signature field"
		}
		if n, ok := d["T"].(str); ok {
			return fmt.Sprintf("form field /%s %q", ft, decodeText(n))
		}
		return "form field /" + string(ft)
	case t == "Annot" || st != "" && d["Rect"] != nil:
		return "annotation /" + string(st)
	case t == "Metadata":
		return "metadata"
	case isStream:
		return "stream"
	case d["Producer"] != nil || d["ModDate"] != nil || d["CreationDate"] != nil:
		return "document information"
	case d["Fields"] != nil:
		return "AcroForm"
	}
	return "dictionary"
}

// same compares an object before and after: values equal (references by
// number), and for streams the raw data too. detail says what differs.
func (a *analysis) same(ov, nv any) (bool, string) {
	switch o := ov.(type) {
	case stream:
		n, ok := nv.(stream)
		if !ok {
			return false, "a stream became a " + describe(nv)
		}
		var diffs []string
		if keys := dictDiff(o.dict, n.dict); len(keys) > 0 && !onlyKeys(keys, "Length") {
			diffs = append(diffs, names(keys)+" changed")
		}
		if !a.sameData(o, n) {
			diffs = append(diffs, "stream data changed")
		}
		return len(diffs) == 0, strings.Join(diffs, ", ")
	case dict:
		n, ok := nv.(dict)
		if !ok {
			return false, "a dictionary became a " + describe(nv)
		}
		keys := dictDiff(o, n)
		return len(keys) == 0, names(keys) + " changed"
	}
	if equalValue(ov, nv) {
		return true, ""
	}
	return false, fmt.Sprintf("%s became %s", show(ov), show(nv))
}

// sameData compares the raw (undecoded) data of two streams.
func (a *analysis) sameData(o, n stream) bool {
	ol, err1 := a.old.resolve(o.dict["Length"])
	nl, err2 := a.cur.resolve(n.dict["Length"])
	on, ok1 := ol.(int64)
	nn, ok2 := nl.(int64)
	if err1 != nil || err2 != nil || !ok1 || !ok2 || on != nn || on < 0 || o.off < 0 || n.off < 0 {
		return false
	}
	if o.off == n.off {
		return true
	}
	ob, nb := make([]byte, 32<<10), make([]byte, 32<<10)
	for done := int64(0); done < on; {
		k := min(int64(len(ob)), on-done)
		if _, err := a.old.r.ReadAt(ob[:k], o.off+done); err != nil {
			return false
		}
		if _, err := a.cur.r.ReadAt(nb[:k], n.off+done); err != nil {
			return false
		}
		if !bytes.Equal(ob[:k], nb[:k]) {
			return false
		}
		done += k
	}
	return true
}

// appended reports whether b is a followed by more elements, and returns
// them.
func appended(a, b array) (array, bool) {
	if len(b) < len(a) {
		return nil, false
	}
	for i := range a {
		if !equalValue(a[i], b[i]) {
			return nil, false
		}
	}
	return b[len(a):], true
}

// dictDiff returns the keys whose values differ between a and b, sorted.
func dictDiff(a, b dict) []name {
	var keys []name
	for k, v := range a {
		if !equalValue(v, b[k]) {
			keys = append(keys, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func onlyKeys(keys []name, allowed ...name) bool {
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return false
		}
	}
	return true
}

func names(keys []name) string {
	s := make([]string, len(keys))
	for i, k := range keys {
		s[i] = "/" + string(k)
	}
	return strings.Join(s, ", ")
}

func refList(a array) string {
	s := make([]string, len(a))
	for i, v := range a {
		s[i] = show(v)
	}
	return strings.Join(s, ", ")
}

// show writes a value briefly, for messages.
func show(v any) string {
	if v == nil {
		return "nothing"
	}
	var b bytes.Buffer
	if s, ok := v.(stream); ok {
		v = s.dict
	}
	writeObject(&b, v)
	if b.Len() > 60 {
		return b.String()[:57] + "..."
	}
	return b.String()
}

// equalValue compares two direct values; references compare by number and
// generation.
func equalValue(a, b any) bool {
	switch x := a.(type) {
	case array:
		y, ok := b.(array)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case dict:
		y, ok := b.(dict)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equalValue(v, w) {
				return false
			}
		}
		return true
	case str:
		y, ok := b.(str)
		return ok && bytes.Equal(x, y)
	case stream:
		return false // streams compare through same
	}
	switch b.(type) {
	case array, dict, str, stream:
		return false
	}
	return a == b
}
