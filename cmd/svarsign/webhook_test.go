package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"strings"
	"testing"
)

// TestWebhookCommands: `admin webhook add` prints the signing secret alone
// on stdout, refuses bad URLs and unknown organisations, and `list` shows
// the webhook.
func TestWebhookCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	data := t.TempDir()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"admin", "org", "create", "--number", "123456785", "--name", "Eksempel kommune", "--data", data}, &out, &errOut); err != nil {
		t.Fatalf("org create: %v\n%s", err, errOut.String())
	}
	out.Reset()
	if err := run(ctx, []string{"admin", "webhook", "add", "--org", "123456785", "--url", "https://fagsystem.example/hooks/svarsign", "--data", data}, &out, &errOut); err != nil {
		t.Fatalf("webhook add: %v\n%s", err, errOut.String())
	}
	secret := strings.TrimSuffix(out.String(), "\n")
	if b, err := hex.DecodeString(secret); err != nil || len(b) != 32 {
		t.Fatalf("stdout = %q, want the 32-byte hex secret alone", out.String())
	}
	for _, tc := range []struct{ org, url string }{
		{"123456785", "fagsystem.example/hook"},
		{"123456785", "ftp://fagsystem.example/hook"},
		{"123456785", "/relative"},
		{"123456785", ""},
		{"999999999", "https://fagsystem.example/hook"},
	} {
		out.Reset()
		if err := run(ctx, []string{"admin", "webhook", "add", "--org", tc.org, "--url", tc.url, "--data", data}, &out, &errOut); err == nil || out.Len() != 0 {
			t.Errorf("webhook add --org %s --url %q: err = %v, stdout %q; want an error and no secret", tc.org, tc.url, err, out.String())
		}
	}
	out.Reset()
	if err := run(ctx, []string{"admin", "webhook", "list", "--org", "123456785", "--data", data}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "https://fagsystem.example/hooks/svarsign") || strings.Contains(out.String(), secret) {
		t.Errorf("webhook list = %q, want one line with the URL and not the secret", out.String())
	}
}
