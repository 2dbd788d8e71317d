package bench

import (
	"bytes"
	"fmt"
)

// makePDF returns a valid one-page PDF of about size bytes (at least a few
// KiB), nearly all of it an uncompressed greyscale image, as the local
// provider's benchmarks sign. It is internal/testpdf.Big's layout, written
// here because that package is for tests and imports testing.
func makePDF(size int64) []byte {
	var w bytes.Buffer
	w.Grow(int(size) + 1024)
	var offs []int
	obj := func(s string) {
		offs = append(offs, w.Len())
		fmt.Fprintf(&w, "%d 0 obj\n%s\nendobj\n", len(offs), s)
	}
	const width = 4096
	height := max(size/width, 1)
	w.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>")
	content := "q 495 0 0 742 50 50 cm /Im1 Do Q"
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	offs = append(offs, w.Len())
	fmt.Fprintf(&w, "5 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n", width, height, width*height)
	row := make([]byte, width)
	for y := range height {
		for x := range row {
			row[x] = byte(x ^ int(y))
		}
		w.Write(row)
	}
	w.WriteString("\nendstream\nendobj\n")
	xref := w.Len()
	fmt.Fprintf(&w, "xref\n0 %d\n0000000000 65535 f\r\n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&w, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&w, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return w.Bytes()
}
