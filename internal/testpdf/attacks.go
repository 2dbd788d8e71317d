package testpdf

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"fmt"
	"io"
)

// The PDFs below are hostile to a PDF reader (issue 10, item 1 and 2): each
// is small on the wire and costs an unguarded reader its stack or gigabytes
// of memory. They are built in code so that no test depends on a binary
// blob, and they are otherwise well-formed, so a reader gets as far as the
// attack.

// ObjStmSelfLength is a PDF of about 400 bytes whose catalog and page tree
// lie in an object stream, and that object stream's /Length is an indirect
// reference to an object inside the same object stream: reading anything
// needs the stream's length, which needs the stream.
func ObjStmSelfLength() []byte {
	var b xrefStreamPDF
	b.header()
	objs := []string{"<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Kids[5 0 R]/Count 1>>"}
	hdr := fmt.Sprintf("1 0 2 %d 4 %d ", len(objs[0])+1, len(objs[0])+len(objs[1])+2)
	// Object 4 is the stream's true length, so a reader that could get
	// at it would read the stream correctly.
	n := len(hdr) + len(objs[0]) + len(objs[1]) + 6
	data := fmt.Sprintf("%s%s %s %d ", hdr, objs[0], objs[1], n)
	b.obj(3, fmt.Sprintf("<</Type/ObjStm/N 3/First %d/Length 4 0 R>>\nstream\n%s\nendstream", len(hdr), data))
	b.inStream(1, 3, 0)
	b.inStream(2, 3, 1)
	b.inStream(4, 3, 2)
	b.obj(5, "<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>")
	return b.finish(6)
}

// XRefIndexBomb is a PDF whose xref stream declares n entries one byte
// wide (/W [1 0 0] /Index [0 n]), all free: n bytes of zeros that deflate
// to about n/1000 bytes, and one map entry each in a reader that believes
// /Index. With n = 16,777,215 it is the 16 KiB file of issue 10.
func XRefIndexBomb(n int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
	b.WriteString("1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n")
	b.WriteString("2 0 obj\n<</Type/Pages/Kids[]/Count 0>>\nendobj\n")
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zeros := make([]byte, 1<<20)
	for left := n; left > 0; left -= len(zeros) {
		_, _ = zw.Write(zeros[:min(left, len(zeros))]) // writes to a bytes.Buffer cannot fail
	}
	_ = zw.Close()
	xref := b.Len()
	fmt.Fprintf(&b, "3 0 obj\n<</Type/XRef/Size %d/W[1 0 0]/Index[0 %d]/Root 1 0 R/Filter/FlateDecode/Length %d>>\nstream\n", n, n, z.Len())
	b.Write(z.Bytes())
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

// ObjStmBomb is a PDF whose page tree is a chain of nodes Pages nodes deep,
// each node alone in its own object stream padded with spaces so that it
// inflates to inflated bytes: nodes=40, inflated=63 MiB is the 2.6 MB file
// of issue 10 that costs a reader caching decoded object streams 2.5 GB.
func ObjStmBomb(nodes, inflated int) []byte {
	var b xrefStreamPDF
	b.header()
	// Objects: 1 catalog; 2k+2 the k-th Pages node, in object stream
	// 2k+3; after the chain the page itself. Numbers are written with a
	// fixed width (leading zeros are valid), so that every stream has the
	// same length of padding, which is deflated once.
	b.obj(1, "<</Type/Catalog/Pages 2 0 R>>")
	page := int64(2*nodes + 2)
	var spaces []byte
	for k := range nodes {
		num := int64(2*k + 2)
		next := num + 2
		if k == nodes-1 {
			next = page
		}
		hdr := fmt.Sprintf("%07d 0 ", num)
		prefix := fmt.Sprintf("%s<</Type/Pages/Kids[%07d 0 R]/Count 1>>", hdr, next)
		if spaces == nil {
			spaces = deflateRun(' ', inflated-len(prefix))
		}
		data := zlibJoin([]byte(prefix), spaces, ' ', inflated-len(prefix))
		b.obj(num+1, fmt.Sprintf("<</Type/ObjStm/N 1/First %d/Filter/FlateDecode/Length %d>>\nstream\n%s\nendstream", len(hdr), len(data), data))
		b.inStream(num, num+1, 0)
	}
	b.obj(page, fmt.Sprintf("<</Type/Page/Parent %d 0 R/MediaBox[0 0 595 842]>>", 2*nodes))
	return b.finish(page + 1)
}

// deflateRun is the raw deflate stream (final block included) of n bytes c.
func deflateRun(c byte, n int) []byte {
	var z bytes.Buffer
	fw, _ := flate.NewWriter(&z, flate.BestCompression)
	chunk := bytes.Repeat([]byte{c}, 1<<20)
	for left := n; left > 0; left -= len(chunk) {
		_, _ = fw.Write(chunk[:min(left, len(chunk))]) // writes to a bytes.Buffer cannot fail
	}
	_ = fw.Close()
	return z.Bytes()
}

// zlibJoin makes the zlib stream of prefix followed by n bytes c, given
// run, the raw deflate stream of those n bytes: the prefix is deflated
// and flushed to a byte boundary, and deflate blocks can follow each other
// so. The Adler-32 checksum of the run is computed, not summed byte by
// byte.
func zlibJoin(prefix, run []byte, c byte, n int) []byte {
	var z bytes.Buffer
	z.Write([]byte{0x78, 0xda})
	fw, _ := flate.NewWriter(&z, flate.BestCompression)
	_, _ = fw.Write(prefix)
	_ = fw.Flush()
	z.Write(run)
	const mod = 65521
	a, b := uint64(1), uint64(0)
	for _, x := range prefix {
		a = (a + uint64(x)) % mod
		b = (b + a) % mod
	}
	// After n more bytes c: a + n·c, and b + n·a + c·n(n+1)/2.
	un := uint64(n)
	b = (b + un%mod*a + uint64(c)*(un*(un+1)/2%mod)) % mod
	a = (a + un%mod*uint64(c)) % mod
	sum := uint32(b<<16 | a)
	z.Write([]byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)})
	return z.Bytes()
}

// xrefStreamPDF lays out a PDF 1.5 file whose only cross-reference section
// is an uncompressed xref stream (W [1 4 2]).
type xrefStreamPDF struct {
	buf  bytes.Buffer
	rows map[int64][3]int64 // type, field 2, field 3
}

func (p *xrefStreamPDF) header() {
	p.buf.WriteString("%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
	p.rows = map[int64][3]int64{0: {0, 0, 65535}}
}

func (p *xrefStreamPDF) obj(num int64, body string) {
	p.rows[num] = [3]int64{1, int64(p.buf.Len()), 0}
	fmt.Fprintf(&p.buf, "%d 0 obj\n%s\nendobj\n", num, body)
}

func (p *xrefStreamPDF) inStream(num, stm, idx int64) { p.rows[num] = [3]int64{2, stm, idx} }

// finish writes the xref stream as object xref, the highest, and the
// file's tail.
func (p *xrefStreamPDF) finish(xref int64) []byte {
	p.rows[xref] = [3]int64{1, int64(p.buf.Len()), 0}
	var data bytes.Buffer
	for num := range xref + 1 {
		r := p.rows[num] // missing numbers are free
		data.Write([]byte{byte(r[0]), byte(r[1] >> 24), byte(r[1] >> 16), byte(r[1] >> 8), byte(r[1]), byte(r[2] >> 8), byte(r[2])})
	}
	fmt.Fprintf(&p.buf, "%d 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Root 1 0 R/Length %d>>\nstream\n", xref, xref+1, data.Len())
	_, _ = io.Copy(&p.buf, &data)
	fmt.Fprintf(&p.buf, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", p.rows[xref][1])
	return p.buf.Bytes()
}
