package pdfsign

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
)

// update collects the objects of one incremental update in memory (they are
// small: a few dictionaries and the signature placeholder) and lays them out
// at their final offsets after the original bytes, so that offsets and the
// byte range are known before anything is written.
type update struct {
	d    *document
	next int64 // next unused object number
	buf  bytes.Buffer
	offs map[ref]int64 // absolute offset of each object written
}

func newUpdate(d *document) (*update, error) {
	next, err := d.nextObject()
	if err != nil {
		return nil, damaged(err)
	}
	u := &update{d: d, next: next, offs: map[ref]int64{}}
	// The original may end without an end-of-line after %%EOF; the first
	// appended object must start on a line of its own.
	var last [1]byte
	if _, err := d.r.ReadAt(last[:], d.size-1); err != nil {
		return nil, fmt.Errorf("reading last byte: %w", err)
	}
	if last[0] != '\n' && last[0] != '\r' {
		u.buf.WriteByte('\n')
	}
	return u, nil
}

// maxUpdateObjects is more than the objects one update adds.
const maxUpdateObjects = 16

// nextObject is the first object number free for an update: past /Size and
// past every object in the cross-reference table.
func (d *document) nextObject() (int64, error) {
	next, _ := d.trailer.int("Size")
	for num := range d.xref {
		next = max(next, num+1)
	}
	if next > maxObjects-maxUpdateObjects {
		return 0, fmt.Errorf("trailer /Size %d leaves no object numbers for an update", next)
	}
	return max(next, 1), nil // object 0 is never used
}

// pos is the absolute file offset of the next byte written to buf.
func (u *update) pos() int64 { return u.d.size + int64(u.buf.Len()) }

func (u *update) alloc() ref {
	r := ref{u.next, 0}
	u.next++
	return r
}

func (u *update) begin(r ref) {
	u.offs[r] = u.pos()
	fmt.Fprintf(&u.buf, "%d %d obj\n", r.num, r.gen)
}

func (u *update) end() { u.buf.WriteString("\nendobj\n") }

func (u *update) put(r ref, v any) {
	u.begin(r)
	writeObject(&u.buf, v)
	u.end()
}

func (u *update) putStream(r ref, d dict, data []byte) {
	d["Length"] = int64(len(data))
	u.begin(r)
	writeObject(&u.buf, d)
	u.buf.WriteString("\nstream\n")
	u.buf.Write(data)
	u.buf.WriteString("\nendstream")
	u.end()
}

// finish writes the cross-reference section and trailer. It matches the
// kind of the file's newest section: a reader of a file that uses xref
// streams (PDF 1.5) copes with either, but a file that started with xref
// streams may hold objects that only a stream section can describe (objects
// in object streams), and tools like qpdf warn on mixing.
func (u *update) finish() {
	t := dict{"Size": int64(0), "Prev": u.d.startxref}
	for _, k := range []name{"Root", "Info", "ID"} {
		if v, ok := u.d.trailer[k]; ok {
			t[k] = v
		}
	}
	if u.d.xrefStream {
		xr := u.alloc()
		u.offs[xr] = u.pos() // the stream lists itself
		refs := u.sorted()
		t["Size"] = u.next
		maxOff := u.pos()
		w := 1
		for maxOff >= 1<<(8*w) {
			w++
		}
		data := make([]byte, 0, len(refs)*(3+w))
		for _, r := range refs {
			data = append(data, 1)
			var b [8]byte
			binary.BigEndian.PutUint64(b[:], uint64(u.offs[r]))
			data = append(data, b[8-w:]...)
			data = append(data, byte(r.gen>>8), byte(r.gen))
		}
		t["Type"] = name("XRef")
		t["W"] = array{int64(1), int64(w), int64(2)}
		t["Index"] = subsections(refs)
		start := u.pos()
		u.putStream(xr, t, data)
		fmt.Fprintf(&u.buf, "startxref\n%d\n%%%%EOF\n", start)
		return
	}
	refs := u.sorted()
	t["Size"] = u.next
	start := u.pos()
	u.buf.WriteString("xref\n")
	idx := subsections(refs)
	i := 0
	for j := 0; j < len(idx); j += 2 {
		fmt.Fprintf(&u.buf, "%d %d\n", idx[j], idx[j+1])
		for range idx[j+1].(int64) {
			r := refs[i]
			i++
			fmt.Fprintf(&u.buf, "%010d %05d n\r\n", u.offs[r], r.gen)
		}
	}
	u.buf.WriteString("trailer\n")
	writeObject(&u.buf, t)
	fmt.Fprintf(&u.buf, "\nstartxref\n%d\n%%%%EOF\n", start)
}

func (u *update) sorted() []ref {
	refs := make([]ref, 0, len(u.offs))
	for r := range u.offs {
		refs = append(refs, r)
	}
	slices.SortFunc(refs, func(a, b ref) int { return cmp.Compare(a.num, b.num) })
	return refs
}

// subsections groups sorted object numbers into runs: [first count ...].
func subsections(refs []ref) array {
	var idx array
	for i := 0; i < len(refs); {
		j := i + 1
		for j < len(refs) && refs[j].num == refs[j-1].num+1 {
			j++
		}
		idx = append(idx, refs[i].num, int64(j-i))
		i = j
	}
	return idx
}

// writeTo writes the original bytes, then the update.
func (u *update) writeTo(ctx context.Context, dst io.Writer) error {
	if _, err := io.Copy(dst, original(ctx, u.d)); err != nil {
		return fmt.Errorf("copying original: %w", err)
	}
	if _, err := dst.Write(u.buf.Bytes()); err != nil {
		return fmt.Errorf("writing update: %w", err)
	}
	return nil
}

// original streams the unchanged source, stopping when ctx is done.
func original(ctx context.Context, d *document) io.Reader {
	return ctxReader{ctx, io.NewSectionReader(d.r, 0, d.size)}
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
