package portal

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/svarsign/svarsign/server/websession"
)

func TestSafeNext(t *testing.T) {
	site, err := websession.New(siteConfig(nil))
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"":                                  Prefix,
		Prefix + "/status":                  Prefix + "/status",
		Prefix + "?x=1":                     Prefix + "?x=1",
		"//evil.example/manuell-innsending": Prefix,
		"https://evil.example" + Prefix:     Prefix,
		"/mailbox/":                         Prefix,
		Prefix + "/login":                   Prefix,
		Prefix + "-annet":                   Prefix,
		Prefix + "/login?next=x":            Prefix,
		Prefix + "/../..//evil.example":     Prefix,
		Prefix + "/%2e%2e/%2e%2e/x":         Prefix,
		Prefix + "/..%2f..%2fx":             Prefix,
		Prefix + "/%5c%5cevil.example":      Prefix,
		Prefix + "/./status":                Prefix,
		"/\\evil.example":                   Prefix,
		"javascript:alert(1)":               Prefix,
	} {
		if got := site.Next(in); got != want {
			t.Errorf("Next(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTemplateErrorGivesWhole500: a page whose template fails after the
// layout has written its head is answered, through a server on
// 127.0.0.1, with a 500 and the whole error page, none of the page. No
// request to the running service can make the portal's templates fail,
// so the login page is given data of the wrong type.
func TestTemplateErrorGivesWhole500(t *testing.T) {
	site, err := websession.New(siteConfig(nil))
	if err != nil {
		t.Fatal(err)
	}
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h := &handler{log: slog.New(slog.NewTextHandler(&logs, nil)), site: site, pages: pages}
	// The handler logs after the body is written: wait for it to return.
	served := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { served <- struct{}{} }()
		h.site.SecurityHeaders(w, r)
		var data any = loginPage{CSRF: "x", Next: Prefix}
		if r.URL.Path == "/bad" {
			data = struct{}{} // no CSRF field: fails inside the form
		}
		h.render(w, r, "login", http.StatusOK, view{Title: "Logg inn", Page: "login", Data: data})
	}))
	defer srv.Close()
	get := func(path string) (*http.Response, string) {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		<-served
		return resp, string(body)
	}
	if resp, body := get("/good"); resp.StatusCode != http.StatusOK || !strings.Contains(body, `<label for="password">Passord</label>`) {
		t.Fatalf("the login page with its own data: %d\n%s", resp.StatusCode, body)
	}
	resp, body := get("/bad")
	if resp.StatusCode != http.StatusInternalServerError || body != errorPage {
		t.Errorf("a failing template: %d\n%s", resp.StatusCode, body)
	}
	if strings.Contains(body, "Logg inn") || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("the 500 page carries part of the page or lacks its headers: %v", resp.Header)
	}
	if !strings.Contains(logs.String(), "portal: rendering page") {
		t.Errorf("the template error was not logged:\n%s", logs.String())
	}
}
