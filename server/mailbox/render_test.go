package mailbox

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

// TestTemplateErrorGivesWhole500: a page whose template fails after the
// layout has written its head is answered, through a server on
// 127.0.0.1, with a 500 and the whole error page in the browser's language
// (banner included), none of the page. No request to the running service
// can make the mailbox's templates fail, so the shipment page is given
// data of the wrong type.
func TestTemplateErrorGivesWhole500(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	h := &handler{cfg: Config{SimulatedLogin: true}, log: slog.New(slog.NewTextHandler(&logs, nil)), texts: newCatalog()}
	site, err := websession.New(h.siteConfig())
	if err != nil {
		t.Fatal(err)
	}
	h.site = site
	if h.pages, err = parsePages(); err != nil {
		t.Fatal(err)
	}
	// The handler logs after the body is written: wait for it to return.
	served := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { served <- struct{}{} }()
		h.site.SecurityHeaders(w, r)
		var data any = errorPage{Message: "Hei"}
		if r.URL.Path == "/bad" {
			data = struct{}{} // no Message: fails inside the page, after the layout's head
		}
		h.render(w, r, "error", http.StatusNotFound, h.newView(r, nil, data))
	}))
	defer srv.Close()
	get := func(path, lang string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Accept-Language", lang)
		resp, err := srv.Client().Do(req)
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
	if resp, body := get("/good", "nb"); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, `<p class="error" role="alert">Hei</p>`) {
		t.Fatalf("the error page with its own data: %d\n%s", resp.StatusCode, body)
	}
	for lang, want := range map[string][]string{
		"nb": {`<html lang="nb">`, "SIMULERT innlogging – kun for test", "Noe gikk galt hos oss. Prøv igjen senere.", "</html>"},
		"en": {`<html lang="en">`, "SIMULATED login – for testing only", "Something went wrong on our side. Please try again later.", "</html>"},
	} {
		resp, body := get("/bad", lang)
		if resp.StatusCode != http.StatusInternalServerError || !bytes.Equal([]byte(body), h.errorPage(resp.Request)) {
			t.Errorf("%s: a failing template: %d\n%s", lang, resp.StatusCode, body)
		}
		for _, s := range want {
			if !strings.Contains(body, s) {
				t.Errorf("%s: the 500 page lacks %q:\n%s", lang, s, body)
			}
		}
		if strings.Count(body, "<html") != 1 || resp.Header.Get("Content-Language") != lang || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: the 500 page carries part of the page or lacks its headers: %v", lang, resp.Header)
		}
	}
	if !strings.Contains(logs.String(), "mailbox: rendering page") {
		t.Errorf("the template error was not logged:\n%s", logs.String())
	}
}
