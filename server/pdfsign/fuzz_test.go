package pdfsign_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"

	"github.com/svarsign/svarsign/internal/testpdf"
	"github.com/svarsign/svarsign/server/pdfsign"
)

// The fuzz targets read arbitrary bytes with every exported function that
// parses. Whatever the input, a call returns (no crash, no hang), its error
// matches one of the package's errors, it is never a recovered panic (that
// would be a bug behind the recover boundary), and it allocates less than
// maxFuzzAlloc. Their seed corpora under testdata/fuzz hold real PDFs
// (classic, xref and object streams, signed, with a front page) and the
// attack files of issue 10; write them anew with
//
//	go test ./server/pdfsign -run TestFuzzSeeds -write-fuzz-seeds
//
// The two largest attack files (2.6 and 1.3 MB) are added in code instead,
// and only when the seeds are replayed, not while fuzzing, where they would
// slow every mutation down.

var writeFuzzSeeds = flag.Bool("write-fuzz-seeds", false, "write the fuzz seed corpora under testdata/fuzz")

// maxFuzzAlloc is an allocation no call may reach: the limits of
// limits.go keep a call well below it.
const maxFuzzAlloc = 256 << 20

var fuzzTargets = []string{"FuzzCheck", "FuzzSignatures", "FuzzSign"}

// fuzzSeeds returns the seed files by name. The real PDFs need qpdf (xref
// streams) and are made with a throwaway signer.
func fuzzSeeds(t *testing.T) map[string][]byte {
	dir := t.TempDir()
	seeds := map[string][]byte{
		"attack-objstm-self-length":  testpdf.ObjStmSelfLength(),
		"attack-xref-index-16777215": testpdf.XRefIndexBomb(1<<24 - 1),
		"attack-objstm-33MiB":        testpdf.ObjStmBomb(1, 33<<20),
		"classic-1page":              testpdf.Read(t, testpdf.Classic(t, dir, 1)),
		"xref-stream-objstm":         testpdf.Read(t, testpdf.XRefStream(t, t.TempDir())),
	}
hostile:
	for _, h := range hostileDocs {
		b := h.data()
		if len(b) > 64<<10 {
			continue
		}
		for _, s := range seeds {
			if bytes.Equal(s, b) {
				continue hostile
			}
		}
		seeds["hostile-"+seedName(h.name)] = b
	}
	s := newTestSigner(t)
	for _, name := range []string{"classic-1page", "xref-stream-objstm"} {
		in := seeds[name]
		var front, signed bytes.Buffer
		if err := pdfsign.AddPage(context.Background(), &front, bytes.NewReader(in), int64(len(in)), pdfsign.Page{Title: "Forside", Lines: []string{"Signert av Kari Nordmann"}}); err != nil {
			t.Fatal(err)
		}
		opts := options("Seed")
		opts.Reserve = 2048
		if err := pdfsign.Sign(context.Background(), &signed, bytes.NewReader(front.Bytes()), int64(front.Len()), opts, s.sign); err != nil {
			t.Fatal(err)
		}
		seeds[name+"-front-page"] = front.Bytes()
		seeds[name+"-signed"] = signed.Bytes()
	}
	return seeds
}

// seedName makes a file name of a test case name: lower-case words
// joined by dashes.
func seedName(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9')
	}), "-")
}

// TestFuzzSeeds writes the corpora with -write-fuzz-seeds; otherwise it
// checks that every seed is there (a lost seed is a lost regression test).
func TestFuzzSeeds(t *testing.T) {
	seeds := fuzzSeeds(t)
	for _, target := range fuzzTargets {
		dir := filepath.Join("testdata", "fuzz", target)
		if *writeFuzzSeeds {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for name, b := range seeds {
			path := filepath.Join(dir, name)
			if *writeFuzzSeeds {
				data := "go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n"
				if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("seed %s: %v", path, err)
			}
		}
	}
}

// addLargeSeeds adds the full-size attack files, unless fuzzing.
func addLargeSeeds(f *testing.F) {
	if fl := flag.Lookup("test.fuzz"); fl != nil && fl.Value.String() != "" {
		return
	}
	f.Add(testpdf.ObjStmBomb(40, 63<<20))
	f.Add(testpdf.ObjStmBomb(40, 31<<20))
}

// checkErr fails on an error that is not one of the package's, or that is
// a recovered panic.
func checkErr(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if !errors.Is(err, pdfsign.ErrNotPDF) && !errors.Is(err, pdfsign.ErrEncrypted) && !errors.Is(err, pdfsign.ErrDamaged) {
		t.Fatalf("%s: error matches none of the package's errors: %v", what, err)
	}
	if strings.Contains(err.Error(), "internal error") {
		t.Fatalf("%s: recovered panic: %v", what, err)
	}
}

// allocs runs f and fails if it allocated maxFuzzAlloc or more.
func allocs(t *testing.T, what string, f func()) {
	t.Helper()
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	before := s[0].Value.Uint64()
	f()
	metrics.Read(s)
	if n := s[0].Value.Uint64() - before; n >= maxFuzzAlloc {
		t.Fatalf("%s allocated %d MiB", what, n>>20)
	}
}

func check(t *testing.T, b []byte) error {
	t.Helper()
	var err error
	allocs(t, "Check", func() { err = pdfsign.Check(bytes.NewReader(b), int64(len(b))) })
	checkErr(t, "Check", err)
	return err
}

func FuzzCheck(f *testing.F) {
	addLargeSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		check(t, b)
	})
}

func FuzzSignatures(f *testing.F) {
	addLargeSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		var sigs []pdfsign.Signature
		var err error
		allocs(t, "Signatures", func() { sigs, err = pdfsign.Signatures(bytes.NewReader(b), int64(len(b))) })
		checkErr(t, "Signatures", err)
		for _, s := range sigs {
			// What verification does next must not fail on what Signatures
			// returned either.
			if _, err := pdfsign.Digest(bytes.NewReader(b), s.ByteRange); err == nil && s.ByteRange[2]+s.ByteRange[3] > int64(len(b)) {
				t.Fatalf("Digest accepted byte range %v beyond the file's %d bytes", s.ByteRange, len(b))
			}
		}
	})
}

// fakeCMS stands in for a signature: Sign does not look inside.
func fakeCMS(context.Context, []byte) ([]byte, error) {
	return []byte{0x30, 0x03, 0x02, 0x01, 0x00}, nil
}

// FuzzSign follows the signing provider: a document that Check accepts
// takes a front page (AddPage) and then a signature (Sign), or a signature
// directly; each output starts with the input's bytes, passes Check again,
// and, unless the input's own signatures cannot be read, lists a signature
// over the whole file.
func FuzzSign(f *testing.F) {
	addLargeSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		if check(t, b) != nil {
			return
		}
		_, sigsErr := pdfsign.Signatures(bytes.NewReader(b), int64(len(b)))
		var front bytes.Buffer
		var err error
		allocs(t, "AddPage", func() {
			err = pdfsign.AddPage(context.Background(), &front, bytes.NewReader(b), int64(len(b)), pdfsign.Page{Title: "Forside"})
		})
		if err != nil {
			t.Fatalf("Check accepts the document, AddPage fails: %v", err)
		}
		if !bytes.HasPrefix(front.Bytes(), b) {
			t.Fatal("AddPage changed the original bytes")
		}
		if err := check(t, front.Bytes()); err != nil {
			t.Fatalf("Check refuses AddPage's output: %v", err)
		}
		for _, in := range [][]byte{b, front.Bytes()} {
			var signed bytes.Buffer
			opts := pdfsign.Options{Reserve: 64}
			allocs(t, "Sign", func() {
				err = pdfsign.Sign(context.Background(), &signed, bytes.NewReader(in), int64(len(in)), opts, fakeCMS)
			})
			if err != nil {
				t.Fatalf("Check accepts the document, Sign fails: %v", err)
			}
			out := signed.Bytes()
			if !bytes.HasPrefix(out, in) {
				t.Fatal("Sign changed the original bytes")
			}
			if err := check(t, out); err != nil {
				t.Fatalf("Check refuses Sign's output: %v", err)
			}
			if sigsErr != nil {
				continue
			}
			sigs, err := pdfsign.Signatures(bytes.NewReader(out), int64(len(out)))
			if err != nil {
				t.Fatalf("Signatures reads the input, not Sign's output: %v", err)
			}
			if !coversFile(sigs, int64(len(out))) {
				t.Fatalf("Sign's output lists no signature over the whole file: %s", describe(sigs))
			}
		}
	})
}

func coversFile(sigs []pdfsign.Signature, size int64) bool {
	for _, s := range sigs {
		if s.CoversWholeFile(size) {
			return true
		}
	}
	return false
}

func describe(sigs []pdfsign.Signature) string {
	var b strings.Builder
	for _, s := range sigs {
		fmt.Fprintf(&b, "%v end=%d err=%v; ", s.ByteRange, s.End(), s.Err)
	}
	return b.String()
}
