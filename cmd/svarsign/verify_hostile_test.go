package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/svarsign/svarsign/internal/testpdf"
	"github.com/svarsign/svarsign/server/pki"
)

// verifyHostileChild set to 1 makes the test binary run main with the
// arguments after "--" instead of the test.
const verifyHostileChild = "SVARSIGN_TEST_VERIFY_HOSTILE"

// TestVerifyHostile runs `svarsign verify` as its own process on the
// attack files of issue 10 items 1 and 2: it must exit 1 with a message
// saying the file is damaged, not crash. On the base commit the first
// dies of a stack overflow (exit status 2, "fatal error: stack overflow"),
// which in the test's own process would take all the tests down with it.
func TestVerifyHostile(t *testing.T) {
	if os.Getenv(verifyHostileChild) == "1" {
		os.Args = append([]string{"svarsign"}, flag.Args()...)
		main() // exits 1 on an error
		os.Exit(0)
	}
	t.Parallel()
	ca := t.TempDir()
	if _, err := pki.LoadOrCreate(ca, "Eksempel kommune", time.Now); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		pdf  []byte
		says string
	}{
		{"object stream Length inside itself", testpdf.ObjStmSelfLength(), "needed to read itself"},
		{"xref stream Index 0 16777215", testpdf.XRefIndexBomb(1<<24 - 1), "damaged"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "hostile.pdf")
			testpdf.Write(t, path, tc.pdf)
			cmd := exec.Command(os.Args[0], "-test.run=^TestVerifyHostile$", "--", "verify", "--trust", filepath.Join(ca, pki.RootCertFile), path)
			cmd.Env = append(os.Environ(), verifyHostileChild+"=1")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("svarsign verify: %v, want exit status 1\nstdout:\n%s\nstderr:\n%.2000s", err, stdout.String(), stderr.String())
			}
			msg := stderr.String()
			if !strings.HasPrefix(msg, "svarsign: ") || !strings.Contains(msg, tc.says) || strings.Count(msg, "\n") != 1 {
				t.Errorf("stderr = %q, want one line saying %q", msg, tc.says)
			}
		})
	}
}
