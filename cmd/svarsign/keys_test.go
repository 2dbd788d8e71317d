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
	"github.com/svarsign/svarsign/server/auth"
)

// TestKeyRevoke: a revoked key stops working on a running server once the
// server's key cache has let it go (auth.KeyCacheTTL by the service's
// clock), and stays listed as revoked.
func TestKeyRevoke(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	data := t.TempDir()
	cli := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append(args, "--data", data), &out, &errOut)
		return out.String(), err
	}
	for number, name := range map[string]string{"123456785": "Eksempel kommune", st.OrgNumber(1): "Annen kommune"} {
		if _, err := cli("admin", "org", "create", "--number", number, "--name", name); err != nil {
			t.Fatal(err)
		}
	}
	token, err := cli("admin", "key", "create", "--org", "123456785", "--label", "sak")
	if err != nil {
		t.Fatal(err)
	}
	token = strings.TrimSpace(token)
	id := strings.TrimPrefix(strings.SplitN(token, ".", 2)[0], "svs_")

	clock := st.NewClock(time.Now())
	srv := st.Start(t, func(c *app.Config) {
		c.DataDir = data
		c.DatabaseURL = filepath.Join(data, "svarsign.db")
		c.Clock = clock.Now
	})
	status := func() int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/shipments", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status(); got != http.StatusOK {
		t.Fatalf("before revoking: HTTP %d", got)
	}
	// Another organisation cannot revoke it.
	if _, err := cli("admin", "key", "revoke", "--org", st.OrgNumber(1), "--id", id); err == nil {
		t.Fatal("another organisation revoked the key")
	}
	if got := status(); got != http.StatusOK {
		t.Fatalf("after another organisation's attempt: HTTP %d", got)
	}
	if out, err := cli("admin", "key", "list", "--org", "123456785"); err != nil || !strings.Contains(out, id+"\tactive") || !strings.Contains(out, "sak") {
		t.Fatalf("key list = %q, %v", out, err)
	}
	if _, err := cli("admin", "key", "revoke", "--org", "123456785", "--id", id); err != nil {
		t.Fatal(err)
	}
	// The command dated the revocation by the wall clock; the server's
	// clock moves to the wall clock plus the cache's TTL.
	clock.Advance(time.Since(clock.Now()) + auth.KeyCacheTTL)
	if got := status(); got != http.StatusUnauthorized {
		t.Fatalf("after revoking: HTTP %d, want 401", got)
	}
	if out, _ := cli("admin", "key", "list", "--org", "123456785"); !strings.Contains(out, id+"\trevoked ") {
		t.Fatalf("key list after revoking = %q", out)
	}
	for _, args := range [][]string{
		{"admin", "key", "revoke", "--org", "123456785", "--id", id},                 // already revoked
		{"admin", "key", "revoke", "--org", "123456785", "--id", "0123456789abcdef"}, // unknown
		{"admin", "key", "revoke", "--org", "999999999", "--id", id},                 // another organisation
	} {
		if _, err := cli(args...); err == nil {
			t.Errorf("svarsign %v succeeded", args)
		}
	}
}
