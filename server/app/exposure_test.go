package app_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/app"
)

var quiet = slog.New(slog.DiscardHandler)

// TestPublicURLIsChecked: a public URL that is not http(s), or that has a
// path, query or fragment, stops the start with an error that says so,
// before anything is created; scheme and host are accepted.
func TestPublicURLIsChecked(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{
		"ftp://svarsign.example", "svarsign.example", "https://", "https://svarsign.example/svarsign",
		"https://svarsign.example/?a=b", "https://svarsign.example#x", "https://user:pw@svarsign.example",
	} {
		data := filepath.Join(t.TempDir(), "data")
		a, err := app.Open(context.Background(), app.Config{Addr: "127.0.0.1:0", DataDir: data, PublicURL: bad, Logger: quiet})
		if err == nil {
			t.Errorf("PublicURL %q was accepted", bad)
			continue
		}
		if !strings.Contains(err.Error(), "public URL") || !strings.Contains(err.Error(), bad) {
			t.Errorf("PublicURL %q: the error %q does not say what is wrong", bad, err)
		}
		if a != nil {
			t.Errorf("PublicURL %q: Open returned an App with its error", bad)
		}
		if _, err := os.Stat(data); !os.IsNotExist(err) {
			t.Errorf("PublicURL %q: the data folder was created before the check", bad)
		}
	}
	srv := st.Start(t, func(c *app.Config) { c.PublicURL = "https://svarsign.example/" })
	resp, err := http.Get(srv.URL + "/mailbox/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("an https public URL sends no HSTS")
	}
}

// TestMetricsAddrTaken: a metrics address that cannot be listened on
// stops the start and says which address.
func TestMetricsAddrTaken(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = app.Open(context.Background(), app.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), MetricsAddr: ln.Addr().String(), Logger: quiet})
	if err == nil || !strings.Contains(err.Error(), "metrics") || !strings.Contains(err.Error(), ln.Addr().String()) {
		t.Fatalf("metrics on a taken port: %v", err)
	}
}
