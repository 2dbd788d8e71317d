package pdfsign

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"
)

// Page is a page of plain text: a title and lines below it.
type Page struct {
	Title string
	Lines []string
}

// A4 in points, with 20 mm margins.
const (
	pageWidth    = 595.28
	pageHeight   = 841.89
	margin       = 56.69
	titleSize    = 18
	bodySize     = 11
	bodyLeading  = 14
	titleLeading = 22
)

// AddPage appends, as an incremental update, one page of text (A4,
// Helvetica with WinAnsiEncoding so Norwegian æøå work) as the first page of
// the document, such as a signing front page. It belongs before any
// signature: a signature made earlier stays cryptographically valid, but a
// viewer reports the added page as a change after signing.
func AddPage(ctx context.Context, dst io.Writer, src io.ReaderAt, size int64, p Page) (err error) {
	defer catch("add page", &err)
	if err := addPage(ctx, dst, src, size, p); err != nil {
		return fmt.Errorf("pdfsign: add page: %w", err)
	}
	return nil
}

func addPage(ctx context.Context, dst io.Writer, src io.ReaderAt, size int64, p Page) error {
	content, err := pageContent(p)
	if err != nil {
		return err
	}
	d, err := open(src, size)
	if err != nil {
		return err
	}
	pt, err := d.pageTree()
	if err != nil {
		return err
	}
	pagesRef, pages := pt.ref, pt.dict
	u, err := newUpdate(d)
	if err != nil {
		return err
	}
	font, bold, contents, page := u.alloc(), u.alloc(), u.alloc(), u.alloc()
	u.put(font, dict{"Type": name("Font"), "Subtype": name("Type1"), "BaseFont": name("Helvetica"), "Encoding": name("WinAnsiEncoding")})
	u.put(bold, dict{"Type": name("Font"), "Subtype": name("Type1"), "BaseFont": name("Helvetica-Bold"), "Encoding": name("WinAnsiEncoding")})

	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(content) // writes to a bytes.Buffer cannot fail
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compressing page content: %w", err)
	}
	u.putStream(contents, dict{"Filter": name("FlateDecode")}, z.Bytes())

	box := array{int64(0), int64(0), real("595.28"), real("841.89")}
	// Attributes the page tree could pass down (boxes, rotation, resources)
	// are all set, so the new page looks the same whatever the tree holds.
	u.put(page, dict{
		"Type":     name("Page"),
		"Parent":   pagesRef,
		"MediaBox": box,
		"CropBox":  box,
		"Rotate":   int64(0),
		"Resources": dict{
			"Font":    dict{"F1": font, "F2": bold},
			"ProcSet": array{name("PDF"), name("Text")},
		},
		"Contents": contents,
	})
	pages = maps.Clone(pages)
	pages["Kids"] = append(array{page}, pt.kids...)
	pages["Count"] = pt.count + 1
	u.put(pagesRef, pages)
	u.finish()
	return u.writeTo(ctx, dst)
}

// pageTree is the root of a document's page tree, as AddPage reads it.
type pageTree struct {
	ref   ref
	dict  dict
	kids  array
	count int64
}

// pageTree reads what AddPage needs; Check reads it too.
func (d *document) pageTree() (*pageTree, error) {
	var pt pageTree
	var err error
	if _, _, pt.ref, pt.dict, err = d.catalog(); err != nil {
		return nil, damaged(err)
	}
	if pt.kids, err = d.array(pt.dict["Kids"]); err != nil {
		return nil, damaged(fmt.Errorf("page tree /Kids: %w", err))
	}
	var ok bool
	if pt.count, ok = pt.dict.int("Count"); !ok {
		return nil, damaged(errors.New("page tree has no /Count"))
	}
	if pt.count < 0 || pt.count >= maxObjects {
		return nil, damaged(fmt.Errorf("page tree /Count %d out of range", pt.count))
	}
	return &pt, nil
}

// pageContent lays out the text. Lines are wrapped at word boundaries by an
// estimate of Helvetica's average width, which is good enough for a front
// page; text that does not fit on the page is an error, not silently lost.
func pageContent(p Page) ([]byte, error) {
	var b bytes.Buffer
	y := pageHeight - margin - titleSize
	b.WriteString("BT\n")
	fmt.Fprintf(&b, "/F2 %d Tf %d TL %s %s Td\n", titleSize, titleLeading, ftoa(margin), ftoa(y))
	title := wrap(p.Title, charsPerLine(titleSize))
	for i, line := range title {
		if i > 0 {
			b.WriteString("T*\n")
		}
		writeString(&b, winAnsi(line))
		b.WriteString(" Tj\n")
	}
	y -= float64(len(title)-1)*titleLeading + 2*bodyLeading
	fmt.Fprintf(&b, "/F1 %d Tf %d TL 0 %d Td\n", bodySize, bodyLeading, -2*bodyLeading)
	for i, line := range p.Lines {
		for j, l := range wrap(line, charsPerLine(bodySize)) {
			if i > 0 || j > 0 {
				b.WriteString("T*\n")
				y -= bodyLeading
			}
			if y < margin {
				return nil, errors.New("page text does not fit on one page")
			}
			writeString(&b, winAnsi(l))
			b.WriteString(" Tj\n")
		}
	}
	b.WriteString("ET\n")
	return b.Bytes(), nil
}

func charsPerLine(size float64) int {
	const avgWidth = 0.52 // of the font size, Helvetica on mixed text
	return int((pageWidth - 2*margin) / (size * avgWidth))
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// wrap splits s into lines of at most n runes, breaking at spaces where it
// can. An empty s is one empty line.
func wrap(s string, n int) []string {
	var lines []string
	var cur []rune
	for _, w := range strings.Fields(s) {
		r := []rune(w)
		for len(r) > n { // a word longer than a line is broken
			if len(cur) > 0 {
				lines, cur = append(lines, string(cur)), nil
			}
			lines, r = append(lines, string(r[:n])), r[n:]
		}
		switch {
		case len(cur) == 0:
			cur = r
		case len(cur)+1+len(r) <= n:
			cur = append(append(cur, ' '), r...)
		default:
			lines, cur = append(lines, string(cur)), r
		}
	}
	if len(cur) > 0 || len(lines) == 0 {
		lines = append(lines, string(cur))
	}
	return lines
}

// winAnsi80 lists the characters WinAnsiEncoding puts at 0x80–0x9F, in
// order (U+FFFD where it has none); 0xA0–0xFF are Latin-1, below 0x80 ASCII.
const winAnsi80 = "€\uFFFD‚ƒ„…†‡ˆ‰Š‹Œ\uFFFDŽ\uFFFD\uFFFD‘’“”•–—˜™š›œ\uFFFDžŸ"

// winAnsi encodes s for a WinAnsiEncoding font; what the encoding lacks
// becomes '?', control characters a space.
func winAnsi(s string) []byte {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r < ' ':
			b = append(b, ' ')
		case r < 0x7f || (r >= 0xa0 && r <= 0xff):
			b = append(b, byte(r))
		default:
			c := byte('?')
			i := 0
			for _, w := range winAnsi80 {
				if w == r && r != '\uFFFD' {
					c = byte(0x80 + i)
					break
				}
				i++
			}
			b = append(b, c)
		}
	}
	return b
}
