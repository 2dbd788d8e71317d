package pdfsign

import (
	"errors"
	"fmt"
)

// Limits on what reading one document may cost, so that no file, however
// small or hostile, can exhaust the stack, the memory or the CPU of the
// process. Each limit holds across indirect resolution: an object read to
// read another (a stream's /Length inside an object stream, say) is charged
// to the same operation. One operation is one call of Check, Sign, AddPage
// or Signatures; the budget starts afresh with each.
//
// The numbers are far above what a real document needs. A real document
// reads a handful of objects (catalog, page tree, first page, AcroForm,
// signature fields); its xref and object streams decode to kilobytes, a few
// megabytes for the largest; it spends hundreds of bytes per object. The
// size of the file hardly matters: a 1 GiB scan is one big image stream,
// which is never decoded (BenchmarkSign signs one of 50 MiB). A file beyond
// a limit is refused with an error that matches both ErrLimit and
// ErrDamaged.
const (
	// maxNesting bounds arrays and dictionaries inside each other, and the
	// depth of the page and field trees.
	maxNesting = 64

	// maxResolveDepth bounds indirect objects that must be read in order
	// to read another: an object in an object stream whose /Length lies in
	// another object stream, and so on. Real files need one or two levels.
	// An object needed to read itself is refused at once, whatever the
	// depth.
	maxResolveDepth = 16

	// maxRefChain bounds references to references (1 0 R naming an object
	// that is 2 0 R ...).
	maxRefChain = 32

	// maxObjectReads bounds the indirect objects read per operation.
	maxObjectReads = 1 << 18

	// maxValues bounds the array elements, dictionary entries and object
	// stream header entries parsed per operation, counting re-reads: a
	// parsed value costs up to about 50 bytes, so parsed objects stay
	// below some 25 MiB. Reading a flat page tree of 100,000 pages costs
	// 100,000 each time.
	maxValues = 1 << 19

	// maxString bounds one string, hex or literal. The largest real ones
	// are signature /Contents: a CMS with its certificates, time stamp and
	// revocation data, kilobytes to a few megabytes.
	maxString = 32 << 20

	// maxLexedExtra bounds the syntax lexed per operation beyond twice
	// the file size. Stream data is skipped, not lexed, so a real
	// operation lexes its xref tables and a few objects; this stops files
	// whose sections or objects overlap from being lexed again and again.
	maxLexedExtra = 64 << 20

	// maxStreamBytes bounds one decoded stream (xref and object streams,
	// the only ones read). A million-object xref stream is 7 MB.
	maxStreamBytes = 32 << 20

	// maxDecodedBytes bounds all streams decoded per operation, which
	// bounds the cache of decoded object streams too.
	maxDecodedBytes = 64 << 20

	// maxObjects bounds object numbers: Acrobat's own limit is 8,388,607.
	maxObjects = 1 << 23

	// Cross-reference entries must fit the file: at most one per
	// bytesPerObject bytes, plus minObjects for the smallest files, and
	// never more than maxEntries, some 200 MiB of table. Real files spend
	// hundreds of bytes per object, and even a 10,000-page document has
	// a few hundred thousand; an xref stream whose 16 KiB inflate to
	// millions of entries is damage, not a document.
	bytesPerObject = 16
	minObjects     = 4096
	maxEntries     = 1 << 21

	// maxXrefSections bounds the /Prev chain: one section per revision.
	maxXrefSections = 4096

	// maxPredictorColumns bounds the PNG predictor's /Columns of an xref
	// stream, which is the width of one row (a handful of bytes).
	maxPredictorColumns = 1 << 20
)

// ErrLimit matches errors for documents beyond the limits above: too deep,
// too many objects, streams that inflate too far. Such an error matches
// ErrDamaged too, so callers that only know ErrDamaged refuse the document
// as they should.
var ErrLimit = errors.New("too complex")

type limitError struct{ msg string }

func (e *limitError) Error() string { return ErrLimit.Error() + ": " + e.msg }

func (e *limitError) Is(target error) bool { return target == ErrLimit || target == ErrDamaged }

func overLimit(format string, args ...any) error {
	return &limitError{fmt.Sprintf(format, args...)}
}

// budget is what one operation may still spend. All lexers of a document
// share it; once a limit is hit, every further read fails with the same
// error, so a caller that ignores one error cannot go on spending.
type budget struct {
	reads    int   // indirect objects read
	values   int   // values parsed
	lexed    int64 // bytes lexed
	maxLexed int64
	decoded  int64 // stream bytes decoded
	err      error // the first limit hit
}

func newBudget(size int64) *budget {
	return &budget{maxLexed: 2*max(size, 0) + maxLexedExtra}
}

// fail records err as the first limit hit and returns it.
func (b *budget) fail(err error) error {
	if b.err == nil {
		b.err = err
	}
	return b.err
}

func (b *budget) read() error {
	if b.err != nil {
		return b.err
	}
	if b.reads++; b.reads > maxObjectReads {
		return b.fail(overLimit("more than %d objects read", maxObjectReads))
	}
	return nil
}

func (b *budget) value(n int) error {
	if b.err != nil {
		return b.err
	}
	if b.values += n; b.values > maxValues {
		return b.fail(overLimit("more than %d values parsed", maxValues))
	}
	return nil
}

// lexedErr is the error for a lexer out of budget.
func (b *budget) lexedErr() error {
	if b.err != nil {
		return b.err
	}
	return b.fail(overLimit("more than %d MiB of syntax read", b.maxLexed>>20))
}

// decodeRoom is how many bytes the next stream may decode to.
func (b *budget) decodeRoom() int64 {
	return min(maxStreamBytes, maxDecodedBytes-b.decoded)
}

func (b *budget) decode(n int64) error {
	if b.err != nil {
		return b.err
	}
	if n > maxStreamBytes {
		return b.fail(overLimit("a stream inflates to more than %d MiB", maxStreamBytes>>20))
	}
	if b.decoded += n; b.decoded > maxDecodedBytes {
		return b.fail(overLimit("streams inflate to more than %d MiB in all", maxDecodedBytes>>20))
	}
	return nil
}

// entriesFor is how many cross-reference entries a file of size bytes may
// hold.
func entriesFor(size int64) int {
	return int(min(maxEntries, minObjects+max(size, 0)/bytesPerObject))
}

// catch is the recover boundary of every exported function that parses: a
// panic while reading a document (a bug: the limits above are what make
// stack and memory exhaustion impossible, and recover could catch neither)
// becomes an error that refuses the document, never a crash of the process.
func catch(op string, err *error) {
	r := recover()
	if r == nil {
		return
	}
	msg := fmt.Sprint(r)
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	*err = fmt.Errorf("pdfsign: %s: %w: unreadable structure (internal error: %s)", op, ErrDamaged, msg)
}
