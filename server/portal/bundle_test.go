package portal_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svarsign/svarsign/internal/testenv"
)

// committedBundle is the built front end that the binary embeds.
const committedBundle = "server/portal/dist/app.js"

// TestBundleIsCurrent rebuilds the front end with the locked esbuild and
// the build:portal script of package.json, into a temporary file, and
// fails if it differs from the committed bundle: the embedded JavaScript
// must be exactly what web/ and the generated gen/ts produce.
func TestBundleIsCurrent(t *testing.T) {
	testenv.NeedCommand(t, "node", "apt-get install nodejs (Node 20 or later)")
	root := repoRoot(t)
	esbuild := filepath.Join(root, "node_modules", ".bin", "esbuild")
	testenv.NeedFile(t, esbuild, "npm ci (in the repository root)")

	var pkg struct{ Scripts map[string]string }
	raw, err := os.ReadFile(filepath.Join(root, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		t.Fatal(err)
	}
	args := strings.Fields(pkg.Scripts["build:portal"])
	if len(args) < 2 || args[0] != "esbuild" {
		t.Fatalf("package.json build:portal = %q, want an esbuild command", pkg.Scripts["build:portal"])
	}
	out := filepath.Join(t.TempDir(), "app.js")
	found := false
	for i, a := range args {
		if a == "--outfile="+committedBundle {
			args[i], found = "--outfile="+out, true
		}
	}
	if !found {
		t.Fatalf("build:portal does not write --outfile=%s", committedBundle)
	}
	cmd := exec.Command(esbuild, args[1:]...)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("esbuild: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile(filepath.Join(root, committedBundle))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, want) {
		t.Errorf("%s is out of date: run `npm run build:portal` (or go generate ./server/portal) and commit it", committedBundle)
	}
}

// TestTypeScriptChecks type-checks web/ against the generated gen/ts: esbuild
// only strips types, so without this a type error would still bundle.
func TestTypeScriptChecks(t *testing.T) {
	testenv.NeedCommand(t, "node", "apt-get install nodejs (Node 20 or later)")
	root := repoRoot(t)
	tsc := filepath.Join(root, "node_modules", ".bin", "tsc")
	testenv.NeedFile(t, tsc, "npm ci (in the repository root)")
	cmd := exec.Command(tsc, "-p", filepath.Join("web", "tsconfig.json"))
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tsc: %v\n%s", err, b)
	}
}
