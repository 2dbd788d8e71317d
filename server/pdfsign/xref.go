package pdfsign

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
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
// file size.
type document struct {
	r          io.ReaderAt
	size       int64
	xref       map[int64]xrefEntry
	trailer    dict
	startxref  int64            // offset of the newest cross-reference section
	xrefStream bool             // whether that section is an xref stream
	objStms    map[int64]objStm // decoded object streams, read once per document
}

// Limits that keep a damaged or hostile file from making us allocate
// unbounded memory.
const (
	maxXrefSections = 4096
	maxObjects      = 1 << 24
	maxDecoded      = 64 << 20 // xref and object streams
)

// objStm is a decoded object stream: objects start at first.
type objStm struct {
	first int64
	data  []byte
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
	d := &document{r: r, size: size, xref: map[int64]xrefEntry{}, objStms: map[int64]objStm{}}
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

func damaged(err error) error { return fmt.Errorf("%w: %w", ErrDamaged, err) }

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
	return newLexer(io.NewSectionReader(d.r, off, d.size-off), off)
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
		count, ok2 := t2.(int64)
		if err != nil || !ok1 || !ok2 || first < 0 || count < 0 || first+count > maxObjects {
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
			d.add(first+i, xrefEntry{off: o, gen: g, free: f[2] == keyword("f")})
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
			}
		}
	}
	return trailer, false, nil
}

func (d *document) add(num int64, e xrefEntry) {
	if _, ok := d.xref[num]; !ok && num > 0 {
		d.xref[num] = e
	}
}

func (d *document) readXrefStream(s stream) error {
	data, err := d.streamData(s)
	if err != nil {
		return err
	}
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
	for i := 0; i < len(index); i += 2 {
		first, ok1 := index[i].(int64)
		count, ok2 := index[i+1].(int64)
		if !ok1 || !ok2 || first < 0 || count < 0 || first+count > maxObjects {
			return errors.New("bad xref stream /Index")
		}
		for j := range count {
			if len(data) < rowLen {
				return errors.New("xref stream data too short")
			}
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
			switch f[0] {
			case 0:
				d.add(first+j, xrefEntry{free: true})
			case 1:
				d.add(first+j, xrefEntry{off: f[1], gen: f[2]})
			case 2:
				d.add(first+j, xrefEntry{stm: f[1], idx: f[2]})
			default:
				d.add(first+j, xrefEntry{free: true}) // reserved types read as null
			}
		}
	}
	return nil
}

// streamData reads and decodes a stream that we need the contents of (xref
// and object streams). Only Flate, with or without a PNG predictor, is
// supported; writers use nothing else for these streams.
func (d *document) streamData(s stream) ([]byte, error) {
	if s.off < 0 {
		return nil, errors.New("stream inside an object stream")
	}
	length, err := d.resolve(s.dict["Length"])
	if err != nil {
		return nil, fmt.Errorf("/Length: %w", err)
	}
	n, ok := length.(int64)
	if !ok || n < 0 || n > d.size-s.off || n > maxDecoded {
		return nil, errors.New("bad stream /Length")
	}
	raw := make([]byte, n)
	if _, err := d.r.ReadAt(raw, s.off); err != nil {
		return nil, err
	}
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
	switch filters {
	case nil:
		return raw, nil
	case name("FlateDecode"):
	default:
		return nil, fmt.Errorf("unsupported filter %v", filters)
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("flate: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(zr, maxDecoded+1))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("flate: %w", err)
	}
	if len(data) > maxDecoded {
		return nil, errors.New("stream too large")
	}
	p, _ := parms.(dict)
	return unpredict(data, p)
}

// unpredict undoes a PNG predictor (xref streams from most writers use 12).
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
	if cols < 1 || cols > 1<<20 || colors < 1 || colors > 32 || bpc < 1 || bpc > 16 {
		return nil, errors.New("bad predictor parameters")
	}
	bpp := max(int((colors*bpc+7)/8), 1)
	rowLen := int((cols*colors*bpc + 7) / 8)
	out := make([]byte, 0, len(data))
	prev := make([]byte, rowLen)
	for len(data) > 0 {
		if len(data) < rowLen+1 {
			break // a trailing partial row carries no entries
		}
		typ, row := data[0], data[1:rowLen+1]
		data = data[rowLen+1:]
		cur := make([]byte, rowLen)
		for i := range rowLen {
			var a, c byte
			b := prev[i]
			if i >= bpp {
				a, c = cur[i-bpp], prev[i-bpp]
			}
			switch typ {
			case 0:
				cur[i] = row[i]
			case 1:
				cur[i] = row[i] + a
			case 2:
				cur[i] = row[i] + b
			case 3:
				cur[i] = row[i] + byte((int(a)+int(b))/2)
			case 4:
				cur[i] = row[i] + paeth(a, b, c)
			default:
				return nil, fmt.Errorf("bad PNG predictor row type %d", typ)
			}
		}
		out = append(out, cur...)
		prev = cur
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
// PDF specification says.
func (d *document) object(r ref) (any, error) {
	e, ok := d.xref[r.num]
	if !ok || e.free {
		return nil, nil
	}
	if e.stm > 0 {
		return d.objStmObject(r.num, e)
	}
	if e.off <= 0 || e.off >= d.size {
		return nil, fmt.Errorf("object %d: offset %d out of range", r.num, e.off)
	}
	return d.lexerAt(e.off).indirect(r)
}

func (d *document) objStmObject(num int64, e xrefEntry) (any, error) {
	st, ok := d.objStms[e.stm]
	if !ok {
		se, ok := d.xref[e.stm]
		if !ok || se.free || se.stm > 0 {
			return nil, fmt.Errorf("object %d: object stream %d missing", num, e.stm)
		}
		v, err := d.lexerAt(se.off).indirect(ref{e.stm, se.gen})
		if err != nil {
			return nil, err
		}
		s, ok := v.(stream)
		if !ok || s.dict.name("Type") != "ObjStm" {
			return nil, fmt.Errorf("object %d: object %d is not an object stream", num, e.stm)
		}
		if st.data, err = d.streamData(s); err != nil {
			return nil, fmt.Errorf("object stream %d: %w", e.stm, err)
		}
		st.first, ok = s.dict.int("First")
		if !ok || st.first < 0 || st.first > int64(len(st.data)) {
			return nil, fmt.Errorf("object stream %d: bad /First", e.stm)
		}
		d.objStms[e.stm] = st
	}
	// The header is pairs of object number and offset; it is parsed per
	// lookup, which is cheap next to decoding the stream.
	l := newLexer(bytes.NewReader(st.data[:st.first]), 0)
	for {
		t1, err1 := l.token()
		t2, err2 := l.token()
		n, ok1 := t1.(int64)
		off, ok2 := t2.(int64)
		if err1 != nil || err2 != nil || !ok1 || !ok2 {
			return nil, fmt.Errorf("object %d not in object stream %d", num, e.stm)
		}
		if n != num {
			continue
		}
		at := st.first + off
		if off < 0 || at >= int64(len(st.data)) {
			return nil, fmt.Errorf("object %d: bad offset in object stream %d", num, e.stm)
		}
		v, err := newLexer(bytes.NewReader(st.data[at:]), -1).object(0)
		if err != nil {
			return nil, fmt.Errorf("object %d in object stream %d: %w", num, e.stm, err)
		}
		return v, nil
	}
}

// resolve follows references (bounded, in case of a reference loop).
func (d *document) resolve(v any) (any, error) {
	for range 32 {
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
	return nil, fmt.Errorf("%v is not a dictionary", v)
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
	return nil, fmt.Errorf("%v is not an array", v)
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
