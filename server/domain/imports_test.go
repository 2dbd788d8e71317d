package domain_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLayering keeps the bottom of the import graph where it is: the
// domain knows nothing of storage or transport, and the tenant scope,
// which the ent schema itself imports, knows nothing of the service.
func TestLayering(t *testing.T) {
	for _, tc := range []struct {
		dir     string
		allowed func(path string) bool
	}{
		{".", stdlibOnly},
		{"../tenant", stdlibOnly},
	} {
		files, err := filepath.Glob(filepath.Join(tc.dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no Go files (%v)", tc.dir, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range file.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if !tc.allowed(path) {
					t.Errorf("%s imports %s; it may import only the standard library", f, path)
				}
			}
		}
	}
}

// stdlibOnly accepts standard library paths: no dot in the first element.
func stdlibOnly(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}
