package events

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestRedactURL: a failed delivery's error names the receiver without the
// token its URL may carry in the query or user info.
func TestRedactURL(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://user:pw@fagsystem.example/hook?token=s3cr3t-t0ken#x", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = http.DefaultClient.Do(req)
	if err == nil {
		t.Fatal("a cancelled request succeeded")
	}
	got := redactURL(err).Error()
	if strings.Contains(got, "s3cr3t-t0ken") || strings.Contains(got, "pw") || !strings.Contains(got, "https://fagsystem.example/hook") {
		t.Errorf("redacted error %q", got)
	}
}
