package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/svarsign/svarsign/internal/testpdf"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/pki"
	"github.com/svarsign/svarsign/server/provider"
	"github.com/svarsign/svarsign/server/provider/local"
)

// TestVerifyCommand runs `svarsign verify` on a document signed by the
// local provider of a data folder: OK and exit 0; with one byte flipped,
// FAILED and a non-zero exit; with another root, FAILED.
func TestVerifyCommand(t *testing.T) {
	data := t.TempDir()
	p, err := local.Open(filepath.Join(data, app.CADir), "Eksempel kommune", t.TempDir(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := testpdf.Classic(t, dir, 1)
	src, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := src.Stat()
	var signed bytes.Buffer
	_, err = p.Sign(context.Background(), &signed, provider.Request{
		JobID: "j", Document: src, Size: fi.Size(), FileName: "kontrakt.pdf", Type: provider.Advanced,
		Signer: provider.Signer{Name: "Kari Nordmann", NationalID: "14038510070", Level: 3, Method: "test"},
	})
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "signed.pdf")
	testpdf.Write(t, good, signed.Bytes())
	bad := filepath.Join(dir, "flipped.pdf")
	flipped := bytes.Clone(signed.Bytes())
	flipped[len(flipped)-200] ^= 1 // in the appended objects, inside the signed range
	testpdf.Write(t, bad, flipped)
	otherCA := t.TempDir()
	if _, err := pki.LoadOrCreate(otherCA, "Annen", time.Now); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		args []string
		ok   bool
		want string
	}{
		{"signed, local CA of --data", []string{"verify", "--data", data, good}, true, "OK: all 1 signature(s) valid"},
		{"signed, --trust", []string{"verify", "--trust", filepath.Join(data, app.CADir, pki.RootCertFile), good}, true, "valid (range covers the whole file"},
		{"byte flipped", []string{"verify", "--data", data, bad}, false, "FAILED"},
		{"another CA", []string{"verify", "--trust", filepath.Join(otherCA, pki.RootCertFile), good}, false, "INVALID"},
		{"unsigned", []string{"verify", "--data", data, in}, false, "no signatures"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tc.args, &out, &errOut)
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v\n%s%s", err, tc.ok, out.String(), errOut.String())
			}
			if !tc.ok && err != nil && !errors.Is(err, errVerifyFailed) && !strings.Contains(err.Error(), "pdfsign") {
				t.Fatalf("err = %v, want a verification failure", err)
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Fatalf("output lacks %q:\n%s", tc.want, out.String())
			}
		})
	}
}
