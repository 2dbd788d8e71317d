package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/svarsign/svarsign/internal/testpdf"
)

// TestDemo runs `svarsign demo --exit` as a newcomer would and checks that
// it ends with a signed document that pdfsig and qpdf accept.
func TestDemo(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"demo", "--exit", "--addr", "127.0.0.1:0", "--data", data}, &out, &errOut); err != nil {
		t.Fatalf("demo: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	for _, want := range []string{
		"delivered to the citizen's mailbox: RECEIVED → ACCEPTED → NOTIFIED",
		"signed at the provider",
		"the signed document came back by itself",
		"verified: PAdES ETSI.CAdES.detached signature by \"Kari Nordmann\"",
		"SIGNING_STATUS_SIGNED",
		"/mailbox/",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
	m := regexp.MustCompile(`Done: a verified signed document is at (\S+)`).FindStringSubmatch(out.String())
	if m == nil || filepath.Dir(m[1]) != data {
		t.Fatalf("demo did not say where the signed document is:\n%s", out.String())
	}
	testpdf.CheckValid(t, m[1], 1)
}
