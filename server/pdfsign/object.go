package pdfsign

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// The object model is deliberately small: it holds only what an incremental
// update needs to read and re-serialise (dictionaries of catalog, pages,
// AcroForm, signatures). Stream data is never part of it; a stream is its
// dictionary plus the file offset where its data starts.
type (
	name   string
	array  []any
	dict   map[name]any
	ref    struct{ num, gen int64 }
	real   string // a real number kept as written, so re-serialising never changes it
	str    []byte // a string's bytes, whether it was written literal or hex
	stream struct {
		dict dict
		off  int64 // absolute offset of the first data byte; -1 inside object streams
	}
	keyword string // a bare token such as obj, R, stream, xref, trailer
)

func (d dict) name(k name) name         { n, _ := d[k].(name); return n }
func (d dict) int(k name) (int64, bool) { n, ok := d[k].(int64); return n, ok }

// lexer tokenises PDF syntax from a reader and tracks the absolute offset,
// which the stream-data position and the xref keyword search need.
type lexer struct {
	r    *bufio.Reader
	pos  int64
	back []any   // pushed-back tokens, for the two-token look-ahead of "n g R"
	b    *budget // shared by the lexers of one document
	tok  []byte  // the regular token being read, reused
}

// newLexer returns a lexer with a budget of its own; a document's lexers
// share the document's (see document.lexer).
func newLexer(r io.Reader, base int64) *lexer {
	return &lexer{r: bufio.NewReaderSize(r, 4096), pos: base, b: newBudget(0)}
}

func (l *lexer) readByte() (byte, error) {
	if l.b.lexed >= l.b.maxLexed {
		return 0, l.b.lexedErr()
	}
	c, err := l.r.ReadByte()
	if err == nil {
		l.pos++
		l.b.lexed++
	}
	return c, err
}

func (l *lexer) unreadByte() {
	if l.r.UnreadByte() == nil {
		l.pos--
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	return bytes.IndexByte([]byte("()<>[]{}/%"), c) >= 0
}

// delimiter tokens are returned as keyword values "<<", ">>", "[", "]".
func (l *lexer) token() (any, error) {
	if n := len(l.back); n > 0 {
		t := l.back[n-1]
		l.back = l.back[:n-1]
		return t, nil
	}
	c, err := l.skipSpace()
	if err != nil {
		return nil, err
	}
	switch c {
	case '[', ']', '{', '}':
		return keyword(c), nil
	case '<':
		c2, err := l.readByte()
		if err != nil {
			return nil, unexpectedEOF(err)
		}
		if c2 == '<' {
			return keyword("<<"), nil
		}
		l.unreadByte()
		return l.hexString()
	case '>':
		c2, err := l.readByte()
		if err != nil || c2 != '>' {
			return nil, errors.New("stray '>'")
		}
		return keyword(">>"), nil
	case '(':
		return l.literalString()
	case '/':
		return l.name()
	case ')':
		return nil, errors.New("stray ')'")
	}
	l.unreadByte()
	b := l.tok[:0]
	defer func() { l.tok = b[:0] }() // number copies what it keeps
	for {
		c, err := l.readByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if isSpace(c) || isDelim(c) {
			l.unreadByte()
			break
		}
		if len(b) > 256 {
			return nil, errors.New("token too long")
		}
		b = append(b, c)
	}
	return number(b), nil
}

// number classifies a regular token as an integer, a real or a keyword.
// The common tokens cost no allocation: xref tables and arrays of
// references are mostly integers, R, n and f.
func number(b []byte) any {
	switch string(b) {
	case "R":
		return keyword("R")
	case "n":
		return keyword("n")
	case "f":
		return keyword("f")
	case "obj":
		return keyword("obj")
	case "endobj":
		return keyword("endobj")
	case "stream":
		return keyword("stream")
	}
	if n, ok := parseInt(b); ok {
		return n
	}
	if isReal(b) {
		return real(b)
	}
	return keyword(b)
}

// parseInt reads a decimal integer with an optional sign.
func parseInt(b []byte) (int64, bool) {
	digits := b
	if len(digits) > 0 && (digits[0] == '+' || digits[0] == '-') {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 18 { // 18 digits cannot overflow
		if len(digits) > 18 && isDigits(string(digits)) {
			n, err := strconv.ParseInt(string(b), 10, 64)
			return n, err == nil
		}
		return 0, false
	}
	var n int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if b[0] == '-' {
		n = -n
	}
	return n, true
}

// isReal reports whether b is a real number as PDF writes them: a sign,
// digits with at most one point. An exponent, which PDF does not have, is
// tolerated as other readers do; infinities and NaN are not numbers.
func isReal(b []byte) bool {
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		b = b[1:]
	}
	digits, point := 0, false
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !point:
			point = true
		case (c == 'e' || c == 'E') && digits > 0:
			exp := b[i+1:]
			if len(exp) > 0 && (exp[0] == '+' || exp[0] == '-') {
				exp = exp[1:]
			}
			return len(exp) > 0 && isDigits(string(exp))
		default:
			return false
		}
	}
	return digits > 0
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (l *lexer) skipSpace() (byte, error) {
	for {
		c, err := l.readByte()
		if err != nil {
			return 0, err
		}
		if c == '%' {
			for c != '\n' && c != '\r' {
				if c, err = l.readByte(); err != nil {
					return 0, err
				}
			}
			continue
		}
		if !isSpace(c) {
			return c, nil
		}
	}
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func (l *lexer) hexString() (str, error) {
	var s str
	var hi byte
	odd := false
	for {
		c, err := l.readByte()
		if err != nil {
			return nil, unexpectedEOF(err)
		}
		if c == '>' {
			break
		}
		if isSpace(c) {
			continue
		}
		v, ok := unhex(c)
		if !ok {
			return nil, fmt.Errorf("bad hex digit %q", c)
		}
		if odd {
			if len(s) >= maxString {
				return nil, overLimit("a string is longer than %d MiB", maxString>>20)
			}
			s = append(s, hi<<4|v)
		} else {
			hi = v
		}
		odd = !odd
	}
	if odd {
		s = append(s, hi<<4)
	}
	return s, nil
}

func (l *lexer) literalString() (str, error) {
	s := str{}
	depth := 1
	for {
		c, err := l.readByte()
		if err != nil {
			return nil, unexpectedEOF(err)
		}
		switch c {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return s, nil
			}
		case '\r':
			// An unescaped end-of-line of any kind reads as a single LF.
			if c2, err := l.readByte(); err == nil && c2 != '\n' {
				l.unreadByte()
			}
			c = '\n'
		case '\\':
			if c, err = l.readByte(); err != nil {
				return nil, unexpectedEOF(err)
			}
			switch c {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if c2, err := l.readByte(); err == nil && c2 != '\n' {
					l.unreadByte()
				}
				continue
			case '\n':
				continue
			default:
				if '0' <= c && c <= '7' {
					v := c - '0'
					for range 2 {
						d, err := l.readByte()
						if err != nil {
							break
						}
						if d < '0' || d > '7' {
							l.unreadByte()
							break
						}
						v = v<<3 | (d - '0')
					}
					c = v
				}
			}
		}
		if len(s) >= maxString {
			return nil, overLimit("a string is longer than %d MiB", maxString>>20)
		}
		s = append(s, c)
	}
}

func (l *lexer) name() (name, error) {
	var b []byte
	for {
		c, err := l.readByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		if isSpace(c) || isDelim(c) {
			l.unreadByte()
			break
		}
		if c == '#' {
			h1, err1 := l.readByte()
			h2, err2 := l.readByte()
			v1, ok1 := unhex(h1)
			v2, ok2 := unhex(h2)
			if err1 != nil || err2 != nil || !ok1 || !ok2 {
				return "", errors.New("bad #xx escape in name")
			}
			c = v1<<4 | v2
		}
		if len(b) > 127 {
			return "", errors.New("name too long")
		}
		b = append(b, c)
	}
	return name(b), nil
}

// object parses one direct object. Integers followed by "g R" become refs.
func (l *lexer) object(depth int) (any, error) {
	if depth > maxNesting {
		return nil, overLimit("objects nested more than %d deep", maxNesting)
	}
	t, err := l.token()
	if err != nil {
		return nil, unexpectedEOF(err)
	}
	switch t := t.(type) {
	case int64:
		t2, err := l.token()
		if err != nil {
			return t, nil
		}
		if g, ok := t2.(int64); ok {
			t3, err := l.token()
			if err == nil {
				if t3 == keyword("R") {
					if t < 0 || g < 0 || g > 65535 {
						return nil, fmt.Errorf("bad reference %d %d R", t, g)
					}
					return ref{t, g}, nil
				}
				l.back = append(l.back, t3)
			}
		}
		l.back = append(l.back, t2)
		return t, nil
	case keyword:
		switch t {
		case "[":
			var a array
			for {
				t2, err := l.token()
				if err != nil {
					return nil, unexpectedEOF(err)
				}
				if t2 == keyword("]") {
					return a, nil
				}
				l.back = append(l.back, t2)
				if err := l.b.value(1); err != nil {
					return nil, err
				}
				v, err := l.object(depth + 1)
				if err != nil {
					return nil, err
				}
				if len(a) == cap(a) {
					// Doubling, where append grows large slices by a
					// quarter: a long array allocates twice its size in
					// all, not five times.
					a = slices.Grow(a, max(len(a), 4))
				}
				a = append(a, v)
			}
		case "<<":
			d := dict{}
			for {
				t2, err := l.token()
				if err != nil {
					return nil, unexpectedEOF(err)
				}
				if t2 == keyword(">>") {
					return d, nil
				}
				k, ok := t2.(name)
				if !ok {
					return nil, fmt.Errorf("dictionary key is %s, not a name", kind(t2))
				}
				if err := l.b.value(1); err != nil {
					return nil, err
				}
				v, err := l.object(depth + 1)
				if err != nil {
					return nil, err
				}
				if v != nil { // a null value means the key is absent
					d[k] = v
				}
			}
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
		return nil, fmt.Errorf("unexpected %q", string(t))
	}
	return t, nil
}

// indirect parses "num gen obj <object> [stream]" and returns the object,
// with streams as a stream holding the data offset.
func (l *lexer) indirect(want ref) (any, error) {
	var hdr [3]any
	for i := range hdr {
		t, err := l.token()
		if err != nil {
			return nil, unexpectedEOF(err)
		}
		hdr[i] = t
	}
	if hdr[0] != want.num || hdr[2] != keyword("obj") {
		return nil, fmt.Errorf("object %d: no \"%d %d obj\" at its offset", want.num, want.num, want.gen)
	}
	v, err := l.object(0)
	if err != nil {
		return nil, fmt.Errorf("object %d: %w", want.num, err)
	}
	d, ok := v.(dict)
	if !ok {
		return v, nil
	}
	t, err := l.token()
	if err != nil || t != keyword("stream") {
		return d, nil // endobj or a missing endobj; both fine for reading
	}
	return l.streamStart(d)
}

// streamStart reads the end-of-line after the stream keyword (CRLF or LF;
// a lone CR is tolerated) and returns the stream whose data follows.
func (l *lexer) streamStart(d dict) (stream, error) {
	c, err := l.readByte()
	if err != nil {
		return stream{}, unexpectedEOF(err)
	}
	if c == '\r' {
		if c2, err := l.readByte(); err == nil && c2 != '\n' {
			l.unreadByte()
		}
	} else if c != '\n' {
		l.unreadByte()
	}
	return stream{dict: d, off: l.pos}, nil
}

// kind names the type of a parsed value for an error message; the value
// itself may be large, and error messages reach users.
func kind(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case int64:
		return "an integer"
	case real:
		return "a real number"
	case name:
		return "a name"
	case str:
		return "a string"
	case ref:
		return fmt.Sprintf("a reference to object %d", v.num)
	case array:
		return "an array"
	case dict:
		return "a dictionary"
	case stream:
		return "a stream"
	case keyword:
		if len(v) > 16 {
			return "a keyword"
		}
		return fmt.Sprintf("%q", string(v))
	}
	return fmt.Sprintf("%T", v)
}

// writeObject serialises a direct object. Dictionary keys are sorted so the
// output is deterministic.
func writeObject(b *bytes.Buffer, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case int:
		b.WriteString(strconv.Itoa(v))
	case real:
		b.WriteString(string(v))
	case name:
		writeName(b, v)
	case str:
		writeString(b, v)
	case ref:
		fmt.Fprintf(b, "%d %d R", v.num, v.gen)
	case array:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeObject(b, e)
		}
		b.WriteByte(']')
	case dict:
		keys := make([]name, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteString("<<")
		for _, k := range keys {
			writeName(b, k)
			b.WriteByte(' ')
			writeObject(b, v[k])
		}
		b.WriteString(">>")
	default:
		panic(fmt.Sprintf("pdfsign: cannot serialise %T", v))
	}
}

func writeName(b *bytes.Buffer, n name) {
	b.WriteByte('/')
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c < '!' || c > '~' || c == '#' || isDelim(c) {
			fmt.Fprintf(b, "#%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
}

// writeString writes a literal string, or a hex string when the bytes are
// binary (IDs, UTF-16 text), which keeps the output readable and safe from
// line-ending conversion.
func writeString(b *bytes.Buffer, s []byte) {
	for _, c := range s {
		if (c < ' ' && c != '\n' && c != '\r' && c != '\t') || c > '~' {
			fmt.Fprintf(b, "<%X>", s)
			return
		}
	}
	b.WriteByte('(')
	for _, c := range s {
		switch c {
		case '(', ')', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString("\\n")
		case '\r':
			b.WriteString("\\r")
		case '\t':
			b.WriteString("\\t")
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(')')
}
