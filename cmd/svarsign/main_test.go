package main

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/app"
)

// TestAdminCommands runs the operator's commands as the README shows them:
// the key comes alone on stdout and then authenticates against a server on
// the same data folder.
func TestAdminCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	data := t.TempDir()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"admin", "org", "create", "--number", "123456785", "--name", "Eksempel kommune", "--data", data}, &out, &errOut); err != nil {
		t.Fatalf("org create: %v\n%s", err, errOut.String())
	}
	if err := run(ctx, []string{"admin", "org", "create", "--number", "123456785", "--name", "Again", "--data", data}, &out, &errOut); err == nil {
		t.Error("creating the same organisation twice succeeded")
	}
	if err := run(ctx, []string{"admin", "org", "create", "--number", "123456789", "--name", "Bad", "--data", data}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "check digit") {
		t.Errorf("invalid organisation number: err = %v, want a check digit error", err)
	}
	out.Reset()
	if err := run(ctx, []string{"admin", "key", "create", "--org", "123456785", "--data", data}, &out, &errOut); err != nil {
		t.Fatalf("key create: %v\n%s", err, errOut.String())
	}
	key := strings.TrimSuffix(out.String(), "\n")
	if !strings.HasPrefix(key, "svs_") || strings.ContainsAny(key, " \n") {
		t.Fatalf("stdout = %q, want the key alone", out.String())
	}
	if err := run(ctx, []string{"admin", "key", "create", "--org", "999999999", "--data", data}, &out, &errOut); err == nil {
		t.Error("key for an unknown organisation succeeded")
	}

	srv := st.Start(t, func(c *app.Config) {
		c.DataDir = data
		c.DatabaseURL = filepath.Join(data, "svarsign.db")
	})
	for _, tc := range []struct {
		auth string
		want int
	}{
		{"Bearer " + key, http.StatusOK},
		{"Bearer " + key + "x", http.StatusUnauthorized},
		{"", http.StatusUnauthorized},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/shipments", nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("Authorization %q: HTTP %d, want %d", tc.auth, resp.StatusCode, tc.want)
		}
	}
}

// TestServeStopsOnSignal runs `serve` and cancels it as SIGTERM would.
func TestServeStopsOnSignal(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	var errOut st.LogBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, &bytes.Buffer{}, &errOut)
	}()
	errOut.Await(t, 15*time.Second, "serve to start", func(out string) bool { return strings.Contains(out, "svarsign listening") })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v\n%s", err, errOut.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop within 15 s of cancellation")
	}
	if !strings.Contains(errOut.String(), "svarsign serving on http://127.0.0.1:") {
		t.Errorf("serve did not report its address:\n%s", errOut.String())
	}
}
