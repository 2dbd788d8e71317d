package gen_test

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svarsign/svarsign/internal/testenv"
)

// repoRoot is where buf.yaml and buf.gen.yaml live.
const repoRoot = ".."

// TestBufLint keeps the contract clean of lint findings.
func TestBufLint(t *testing.T) {
	cmd := exec.Command("go", "tool", "buf", "lint")
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("buf lint: %v\n%s", err, out)
	}
}

// TestGeneratedCodeIsCurrent regenerates everything into a temporary folder
// and fails if any generated file differs from the committed gen/.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	testenv.NeedCommand(t, "protoc", "apt-get install protobuf-compiler")
	testenv.NeedCommand(t, "grpc_python_plugin", "apt-get install protobuf-compiler-grpc")
	testenv.NeedFile(t, filepath.Join(repoRoot, "node_modules/.bin/protoc-gen-es"), "npm ci")
	out := t.TempDir()
	cmd := exec.Command("go", "tool", "buf", "generate", "--output", out)
	cmd.Dir = repoRoot
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("buf generate: %v\n%s", err, b)
	}
	want := generatedFiles(t, filepath.Join(out, "gen"))
	have := generatedFiles(t, ".")
	for name, w := range want {
		h, ok := have[name]
		switch {
		case !ok:
			t.Errorf("gen/%s is missing: run `go tool buf generate` and commit", name)
		case !bytes.Equal(h, w):
			t.Errorf("gen/%s is out of date: run `go tool buf generate` and commit", name)
		}
	}
	for name := range have {
		if _, ok := want[name]; !ok {
			t.Errorf("gen/%s is not generated any more: run `go tool buf generate` and commit", name)
		}
	}
}

// generatedFiles reads every file under dir except the hand-written Go
// files of package gen itself and Python caches.
func generatedFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "__pycache__" {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		if !strings.Contains(rel, string(filepath.Separator)) && strings.HasSuffix(rel, ".go") {
			return nil // gen/openapi.go and this test
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
