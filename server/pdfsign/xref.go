package pdfsign

import (
	"bytes"
	"cmp"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// xrefEntry locates an object: at a file offset, or as the idx-th object of
// object stream stm.
type xrefEntry struct {
	off  int64
	stm  int64
	idx  int64
	gen  int64
	free bool
}

// document is a parsed view of a PDF read through an io.ReaderAt: the merged
// cross-reference table of all revisions and the newest trailer. Objects are
// read on demand, so memory use depends on the structure read, not on the
// file size; what one operation may read is bounded by limits.go.
type document struct {
	r          io.ReaderAt
	size       int64
	xref       map[int64]xrefEntry
	trailer    dict
	startxref  int64            // offset of the newest cross-reference section
	xrefStream bool             // whether that section is an xref stream
	objStms    map[int64]objStm // decoded object streams, read once per document

	budget     *budget // what this operation may still spend
	maxEntries int     // cross-reference entries the file's size allows
	reading    []int64 // objects being read, innermost last, to refuse loops
}

// objStm is a decoded object stream: objects start at first, at the offsets
// (relative to first) its header gives.
type objStm struct {
	first int64
	data  []byte
	offs  map[int64]int64
}

// open reads the cross-reference chain. It fails with errNotPDF, errEncrypted
// or a description of the damage.
func open(r io.ReaderAt, size int64) (*document, error) {
	head := make([]byte, min(size, 1024))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return nil, fmt.Errorf("reading header: %w", err)
	}
	if !bytes.Contains(head, []byte("%PDF-")) {
		return nil, ErrNotPDF
	}
	d := &document{
		r: r, size: size, xref: map[int64]xrefEntry{}, objStms: map[int64]objStm{},
		budget: newBudget(size), maxEntries: entriesFor(size),
	}
	start, err := d.findStartxref()
	if err != nil {
		return nil, damaged(err)
	}
	d.startxref = start
	seen := map[int64]bool{}
	for off, first := start, true; ; first = false {
		if seen[off] {
			return nil, damaged(fmt.Errorf("cross-reference sections loop at offset %d", off))
		}
		if len(seen) >= maxXrefSections {
			return nil, damaged(errors.New("too many cross-reference sections"))
		}
		seen[off] = true
		trailer, isStream, err := d.readSection(off)
		if err != nil {
			return nil, damaged(fmt.Errorf("cross-reference section at offset %d: %w", off, err))
		}
		if first {
			d.trailer, d.xrefStream = trailer, isStream
		}
		prev, ok := trailer.int("Prev")
		if !ok {
			break
		}
		if prev <= 0 || prev >= size {
			return nil, damaged(fmt.Errorf("/Prev offset %d out of range", prev))
		}
		off = prev
	}
	if _, ok := d.trailer["Encrypt"]; ok {
		return nil, ErrEncrypted
	}
	if _, ok := d.trailer["Root"].(ref); !ok {
		return nil, damaged(errors.New("trailer has no /Root reference"))
	}
	return d, nil
}

// damaged marks err as damage, unless it says so already.
func damaged(err error) error {
	if errors.Is(err, ErrDamaged) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrDamaged, err)
}

// findStartxref reads the offset after the last "startxref" in the file's
// tail.
func (d *document) findStartxref() (int64, error) {
	n := min(d.size, 4096)
	tail := make([]byte, n)
	if _, err := d.r.ReadAt(tail, d.size-n); err != nil && err != io.EOF {
		return 0, err
	}
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return 0, errors.New("no startxref at the end of the file (truncated?)")
	}
	if !bytes.Contains(tail[i:], []byte("%%EOF")) {
		return 0, errors.New("no %EOF after startxref (truncated?)")
	}
	f := bytes.Fields(tail[i+len("startxref"):])
	if len(f) == 0 {
		return 0, errors.New("no offset after startxref")
	}
	off, err := strconv.ParseInt(string(f[0]), 10, 64)
	if err != nil || off <= 0 || off >= d.size {
		return 0, fmt.Errorf("startxref offset %q out of range", f[0])
	}
	return off, nil
}

func (d *document) lexerAt(off int64) *lexer {
	return d.lexer(io.NewSectionReader(d.r, off, d.size-off), off)
}

// lexer returns a lexer that spends the document's budget.
func (d *document) lexer(r io.Reader, base int64) *lexer {
	l := newLexer(r, base)
	l.b = d.budget
	return l
}

// readSection reads one cross-reference section, classic or stream, adding
// entries not already defined by a newer section.
func (d *document) readSection(off int64) (dict, bool, error) {
	l := d.lexerAt(off)
	t, err := l.token()
	if err != nil {
		return nil, false, unexpectedEOF(err)
	}
	if t != keyword("xref") {
		num, ok := t.(int64)
		if !ok {
			return nil, false, errors.New("neither a table nor a stream")
		}
		l.back = append(l.back, t)
		v, err := l.indirect(ref{num, 0})
		if err != nil {
			return nil, false, err
		}
		s, ok := v.(stream)
		if !ok || s.dict.name("Type") != "XRef" {
			return nil, false, errors.New("neither a table nor a stream")
		}
		return s.dict, true, d.readXrefStream(s)
	}
	for {
		t, err := l.token()
		if err != nil {
			return nil, false, unexpectedEOF(err)
		}
		if t == keyword("trailer") {
			break
		}
		first, ok1 := t.(int64)
		t2, err := l.token()
		if err != nil {
			return nil, false, unexpectedEOF(err)
		}
		count, ok2 := t2.(int64)
		if !ok1 || !ok2 || !validRange(first, count) {
			return nil, false, errors.New("bad subsection header")
		}
		for i := range count {
			var f [3]any
			for j := range f {
				if f[j], err = l.token(); err != nil {
					return nil, false, unexpectedEOF(err)
				}
			}
			o, ok1 := f[0].(int64)
			g, ok2 := f[1].(int64)
			if !ok1 || !ok2 || (f[2] != keyword("n") && f[2] != keyword("f")) {
				return nil, false, fmt.Errorf("bad entry for object %d", first+i)
			}
			if err := d.add(first+i, xrefEntry{off: o, gen: g, free: f[2] == keyword("f")}); err != nil {
				return nil, false, err
			}
		}
	}
	v, err := l.object(0)
	if err != nil {
		return nil, false, fmt.Errorf("trailer: %w", err)
	}
	trailer, ok := v.(dict)
	if !ok {
		return nil, false, errors.New("trailer is not a dictionary")
	}
	// A hybrid file's table is completed by the stream named in /XRefStm.
	if x, ok := trailer.int("XRefStm"); ok && x > 0 && x < d.size {
		l := d.lexerAt(x)
		t, err := l.token()
		if num, ok := t.(int64); err == nil && ok {
			l.back = append(l.back, t)
			if v, err := l.indirect(ref{num, 0}); err == nil {
				if s, ok := v.(stream); ok {
					if err := d.readXrefStream(s); err != nil {
						return nil, false, fmt.Errorf("/XRefStm: %w", err)
					}
				}
			} else if errors.Is(err, ErrLimit) {
				return nil, false, err
			}
		}
	}
	return trailer, false, nil
}

// validRange reports whether objects first..first+count-1 are valid object
// numbers.
func validRange(first, count int64) bool {
	return first >= 0 && count >= 0 && first <= maxObjects && count <= maxObjects-first
}

// add records the entry for object num unless a newer section did.
func (d *document) add(num int64, e xrefEntry) error {
	if _, ok := d.xref[num]; ok || num <= 0 {
		return nil
	}
	if len(d.xref) >= d.maxEntries {
		return overLimit("more than %d cross-reference entries in a file of %d bytes", d.maxEntries, d.size)
	}
	d.xref[num] = e
	return nil
}

func (d *document) readXrefStream(s stream) error {
	// /W and /Index are checked before the data is decoded: they say how
	// much data there must be, and a section cannot hold more entries than
	// the file has room for.
	w, ok := s.dict["W"].(array)
	if !ok || len(w) != 3 {
		return errors.New("xref stream /W is not an array of three")
	}
	var ws [3]int
	rowLen := 0
	for i, v := range w {
		n, ok := v.(int64)
		if !ok || n < 0 || n > 8 {
			return errors.New("bad xref stream /W")
		}
		ws[i] = int(n)
		rowLen += int(n)
	}
	if rowLen == 0 {
		return errors.New("bad xref stream /W")
	}
	size, _ := s.dict.int("Size")
	index := array{int64(0), size}
	if a, ok := s.dict["Index"].(array); ok {
		index = a
	}
	if len(index)%2 != 0 {
		return errors.New("odd-length xref stream /Index")
	}
	var rows int64
	for i := 0; i < len(index); i += 2 {
		first, ok1 := index[i].(int64)
		count, ok2 := index[i+1].(int64)
		if !ok1 || !ok2 || !validRange(first, count) {
			return errors.New("bad xref stream /Index")
		}
		if rows += count; rows > int64(d.maxEntries) {
			return overLimit("xref stream of %d cross-reference entries in a file of %d bytes", rows, d.size)
		}
	}
	data, err := d.streamData(s)
	if err != nil {
		return err
	}
	if int64(len(data)) < rows*int64(rowLen) {
		return errors.New("xref stream data too short")
	}
	for i := 0; i < len(index); i += 2 {
		first, count := index[i].(int64), index[i+1].(int64)
		for j := range count {
			var f [3]int64
			row := data[:rowLen]
			data = data[rowLen:]
			for k, n := range ws {
				for _, c := range row[:n] {
					f[k] = f[k]<<8 | int64(c)
				}
				row = row[n:]
			}
			if ws[0] == 0 {
				f[0] = 1 // the type defaults to 1
			}
			e := xrefEntry{free: true} // type 0, and reserved types, read as null
			switch f[0] {
			case 1:
				e = xrefEntry{off: f[1], gen: f[2]}
			case 2:
				e = xrefEntry{stm: f[1], idx: f[2]}
			}
			if err := d.add(first+j, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// streamData reads and decodes a stream that we need the contents of (xref
// and object streams). Only Flate, with or without a PNG predictor, is
// supported; writers use nothing else for these streams. The decoded size
// is charged to the budget before it is allocated.
func (d *document) streamData(s stream) ([]byte, error) {
	if s.off < 0 {
		return nil, errors.New("stream inside an object stream")
	}
	length, err := d.resolve(s.dict["Length"])
	if err != nil {
		return nil, fmt.Errorf("/Length: %w", err)
	}
	n, ok := length.(int64)
	if !ok || n < 0 || s.off > d.size || n > d.size-s.off {
		return nil, errors.New("bad stream /Length")
	}
	raw := func() io.Reader { return io.NewSectionReader(d.r, s.off, n) }
	filters, parms := s.dict["Filter"], s.dict["DecodeParms"]
	if a, ok := filters.(array); ok {
		if len(a) > 1 {
			return nil, errors.New("unsupported filter chain")
		}
		if len(a) == 1 {
			filters = a[0]
		} else {
			filters = nil
		}
		if p, ok := parms.(array); ok && len(p) > 0 {
			parms = p[0]
		}
	}
	var data []byte
	switch filters {
	case nil:
		if err := d.budget.decode(n); err != nil {
			return nil, err
		}
		data = make([]byte, n)
		if _, err := io.ReadFull(raw(), data); err != nil {
			return nil, err
		}
	case name("FlateDecode"):
		if data, err = d.inflate(raw); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unsupported filter %s", kind(filters))
	}
	p, _ := parms.(dict)
	return unpredict(data, p)
}

// inflate decodes a Flate stream in two passes: the first only counts the
// decoded bytes, stopping at what the budget allows, so that the second
// allocates once, exactly, and only what the budget allows. Our streams are
// small, so decoding twice costs less than growing a buffer (which would
// allocate twice the decoded size).
func (d *document) inflate(raw func() io.Reader) ([]byte, error) {
	zr, err := zlib.NewReader(raw())
	if err != nil {
		return nil, fmt.Errorf("flate: %w", err)
	}
	room := d.budget.decodeRoom()
	n, err := io.Copy(io.Discard, io.LimitReader(zr, room+1))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("flate: %w", err)
	}
	if err := d.budget.decode(n); err != nil {
		return nil, err
	}
	if err := zr.(zlib.Resetter).Reset(raw(), nil); err != nil {
		return nil, fmt.Errorf("flate: %w", err)
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(zr, data); err != nil {
		return nil, fmt.Errorf("flate: %w", err)
	}
	return data, nil
}

// unpredict undoes a PNG predictor (xref streams from most writers use 12)
// in place: each decoded row is written over the encoded one, which starts
// one byte later.
func unpredict(data []byte, p dict) ([]byte, error) {
	pred, _ := p.int("Predictor")
	if pred <= 1 {
		return data, nil
	}
	if pred < 10 {
		return nil, fmt.Errorf("unsupported predictor %d", pred)
	}
	cols, ok := p.int("Columns")
	if !ok {
		cols = 1
	}
	colors, ok := p.int("Colors")
	if !ok {
		colors = 1
	}
	bpc, ok := p.int("BitsPerComponent")
	if !ok {
		bpc = 8
	}
	if cols < 1 || cols > maxPredictorColumns || colors < 1 || colors > 32 || bpc < 1 || bpc > 16 {
		return nil, errors.New("bad predictor parameters")
	}
	bpp := max(int((colors*bpc+7)/8), 1)
	rowLen := int((cols*colors*bpc + 7) / 8)
	out := data[:0]
	// A trailing partial row carries no entries.
	for in := 0; in+rowLen+1 <= len(data); in += rowLen + 1 {
		typ, row := data[in], data[in+1:in+1+rowLen]
		cur := data[len(out) : len(out)+rowLen] // never ahead of row
		var prev []byte
		if len(out) > 0 {
			prev = out[len(out)-rowLen:]
		}
		for i := range rowLen {
			var a, b, c byte
			if prev != nil {
				b = prev[i]
			}
			if i >= bpp {
				a = cur[i-bpp]
				if prev != nil {
					c = prev[i-bpp]
				}
			}
			x := row[i]
			switch typ {
			case 0:
			case 1:
				x += a
			case 2:
				x += b
			case 3:
				x += byte((int(a) + int(b)) / 2)
			case 4:
				x += paeth(a, b, c)
			default:
				return nil, fmt.Errorf("bad PNG predictor row type %d", typ)
			}
			cur[i] = x
		}
		out = out[:len(out)+rowLen]
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// object reads indirect object r. Free and missing objects are null, as the
// PDF specification says. Reading an object may need others (an object
// stream, its /Length); an object needed to read itself is an error, and
// the depth of such reads is bounded.
func (d *document) object(r ref) (any, error) {
	e, ok := d.xref[r.num]
	if !ok || e.free {
		return nil, nil
	}
	if err := d.budget.read(); err != nil {
		return nil, err
	}
	if err := d.enter(r.num); err != nil {
		return nil, err
	}
	defer d.leave()
	if e.stm > 0 {
		return d.objStmObject(r.num, e)
	}
	if e.off <= 0 || e.off >= d.size {
		return nil, fmt.Errorf("object %d: offset %d out of range", r.num, e.off)
	}
	return d.lexerAt(e.off).indirect(r)
}

// enter marks object num as being read.
func (d *document) enter(num int64) error {
	if slices.Contains(d.reading, num) {
		return fmt.Errorf("object %d is needed to read itself", num)
	}
	if len(d.reading) >= maxResolveDepth {
		return overLimit("objects needed to read objects more than %d deep", maxResolveDepth)
	}
	d.reading = append(d.reading, num)
	return nil
}

func (d *document) leave() { d.reading = d.reading[:len(d.reading)-1] }

func (d *document) objStmObject(num int64, e xrefEntry) (any, error) {
	st, ok := d.objStms[e.stm]
	if !ok {
		var err error
		if st, err = d.loadObjStm(e.stm); err != nil {
			return nil, fmt.Errorf("object %d: %w", num, err)
		}
		d.objStms[e.stm] = st
	}
	off, ok := st.offs[num]
	if !ok {
		return nil, fmt.Errorf("object %d not in object stream %d", num, e.stm)
	}
	at := st.first + off
	if off < 0 || at >= int64(len(st.data)) {
		return nil, fmt.Errorf("object %d: bad offset in object stream %d", num, e.stm)
	}
	v, err := d.lexer(bytes.NewReader(st.data[at:]), -1).object(0)
	if err != nil {
		return nil, fmt.Errorf("object %d in object stream %d: %w", num, e.stm, err)
	}
	return v, nil
}

// loadObjStm decodes object stream num and parses its header.
func (d *document) loadObjStm(num int64) (objStm, error) {
	var st objStm
	se, ok := d.xref[num]
	if !ok || se.free || se.stm > 0 {
		return st, fmt.Errorf("object stream %d missing", num)
	}
	if se.off <= 0 || se.off >= d.size {
		return st, fmt.Errorf("object stream %d: offset %d out of range", num, se.off)
	}
	if err := d.enter(num); err != nil {
		return st, err
	}
	defer d.leave()
	v, err := d.lexerAt(se.off).indirect(ref{num, se.gen})
	if err != nil {
		return st, err
	}
	s, ok := v.(stream)
	if !ok || s.dict.name("Type") != "ObjStm" {
		return st, fmt.Errorf("object %d is not an object stream", num)
	}
	if st.data, err = d.streamData(s); err != nil {
		return st, fmt.Errorf("object stream %d: %w", num, err)
	}
	st.first, ok = s.dict.int("First")
	if !ok || st.first < 0 || st.first > int64(len(st.data)) {
		return st, fmt.Errorf("object stream %d: bad /First", num)
	}
	// The header is pairs of object number and offset, read once; the
	// first entry for a number counts. Like a scan for one number, it
	// stops at anything else, so what comes before stays readable.
	st.offs = map[int64]int64{}
	l := d.lexer(bytes.NewReader(st.data[:st.first]), 0)
	for {
		t1, err1 := l.token()
		t2, err2 := l.token()
		n, ok1 := t1.(int64)
		off, ok2 := t2.(int64)
		if err1 != nil || err2 != nil || !ok1 || !ok2 {
			if err := cmp.Or(err1, err2); errors.Is(err, ErrLimit) {
				return st, err
			}
			return st, nil
		}
		if err := d.budget.value(1); err != nil {
			return st, err
		}
		if _, ok := st.offs[n]; !ok {
			st.offs[n] = off
		}
	}
}

// resolve follows references (bounded, in case of a reference loop).
func (d *document) resolve(v any) (any, error) {
	for range maxRefChain {
		r, ok := v.(ref)
		if !ok {
			return v, nil
		}
		var err error
		if v, err = d.object(r); err != nil {
			return nil, err
		}
	}
	return nil, errors.New("reference chain too long")
}

func (d *document) dict(v any) (dict, error) {
	v, err := d.resolve(v)
	if err != nil {
		return nil, err
	}
	switch v := v.(type) {
	case dict:
		return v, nil
	case stream:
		return v.dict, nil
	}
	return nil, fmt.Errorf("%s is not a dictionary", kind(v))
}

func (d *document) array(v any) (array, error) {
	v, err := d.resolve(v)
	if err != nil {
		return nil, err
	}
	switch v := v.(type) {
	case array:
		return v, nil
	case nil:
		return nil, nil
	}
	return nil, fmt.Errorf("%s is not an array", kind(v))
}

// catalog returns the document catalog and the root of its page tree.
func (d *document) catalog() (ref, dict, ref, dict, error) {
	rootRef := d.trailer["Root"].(ref)
	root, err := d.dict(rootRef)
	if err != nil {
		return ref{}, nil, ref{}, nil, fmt.Errorf("catalog: %w", err)
	}
	pagesRef, ok := root["Pages"].(ref)
	if !ok {
		return ref{}, nil, ref{}, nil, errors.New("catalog has no /Pages reference")
	}
	pages, err := d.dict(pagesRef)
	if err != nil {
		return ref{}, nil, ref{}, nil, fmt.Errorf("page tree: %w", err)
	}
	return rootRef, root, pagesRef, pages, nil
}

// firstPage descends the page tree along the first kid of each node.
func (d *document) firstPage(pages dict) (ref, dict, error) {
	node := pages
	for range maxNesting {
		kids, err := d.array(node["Kids"])
		if err != nil {
			return ref{}, nil, fmt.Errorf("page tree /Kids: %w", err)
		}
		if len(kids) == 0 {
			return ref{}, nil, errors.New("document has no pages")
		}
		r, ok := kids[0].(ref)
		if !ok {
			return ref{}, nil, errors.New("page tree kid is not a reference")
		}
		kid, err := d.dict(r)
		if err != nil {
			return ref{}, nil, fmt.Errorf("page tree: %w", err)
		}
		if kid.name("Type") == "Page" || (kid.name("Type") != "Pages" && kid["Kids"] == nil) {
			return r, kid, nil
		}
		node = kid
	}
	return ref{}, nil, errors.New("page tree too deep")
}
