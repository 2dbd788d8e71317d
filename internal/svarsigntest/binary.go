package svarsigntest

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// Binary is a command built once, when a test first asks for it, for all
// the tests of a test binary: linking svarsign takes seconds, and several
// tests run it as a process of its own. Declare one in the test package
// and let Main remove it:
//
//	var svarsign = &st.Binary{Package: st.SvarsignPackage}
//
//	func TestMain(m *testing.M) { st.Main(m, svarsign) }
type Binary struct {
	// Package is the main package to build, as `go build` takes it.
	Package string

	once sync.Once
	dir  string
	path string
	err  error
	out  []byte
}

// Path builds the binary on first use and returns its path; it fails t
// if the build failed. Under -short, which leaves out the tests that build
// binaries, it skips t.
func (b *Binary) Path(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "svarsigntest-bin-"); b.err != nil {
			return
		}
		b.path = filepath.Join(b.dir, filepath.Base(b.Package))
		b.out, b.err = exec.Command("go", "build", "-o", b.path, b.Package).CombinedOutput()
	})
	if b.err != nil {
		t.Fatalf("go build %s: %v\n%s", b.Package, b.err, b.out)
	}
	return b.path
}

// Remove deletes what Path built, if anything.
func (b *Binary) Remove() {
	if b.dir != "" {
		os.RemoveAll(b.dir)
	}
}

// SvarsignPackage is the svarsign command, the Binary most tests build.
const SvarsignPackage = "github.com/svarsign/svarsign/cmd/svarsign"

// Main runs the tests of m, removes what bins built and exits with the
// tests' code: the whole of a TestMain that builds binaries.
func Main(m *testing.M, bins ...*Binary) {
	code := m.Run()
	for _, b := range bins {
		b.Remove()
	}
	os.Exit(code)
}
