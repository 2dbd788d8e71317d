package websession

import (
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRender: a page is written whole with its status; a template that
// fails after writing more than a response buffer's worth gives a 500
// whose body is only the error page, through a real server.
func TestRender(t *testing.T) {
	t.Parallel()
	funcs := template.FuncMap{"fail": func() (string, error) { return "", errors.New("boom") }}
	page := template.Must(template.New("page").Funcs(funcs).Parse(
		`<!DOCTYPE html><h1>PARTIAL {{.Title}}</h1>{{.Pad}}{{if .Fail}}{{fail}}{{end}}<p>end</p>`))
	type data struct {
		Title, Pad string
		Fail       bool
	}
	pad := strings.Repeat("x", 64<<10) // beyond any buffer between handler and socket
	for _, tc := range []struct {
		name      string
		errorPage func(*http.Request) []byte
		want      string
	}{
		{"plain error page", nil, plainErrorPage},
		{"front end's error page", func(r *http.Request) []byte {
			return []byte("<!DOCTYPE html><p>Noe gikk galt (" + r.URL.Path + ")</p>")
		}, "<!DOCTYPE html><p>Noe gikk galt (/bad)</p>"},
	} {
		s := testSite(t, nil)
		s.cfg.ErrorPage = tc.errorPage
		// Render returns after the body is written: wait for it, not
		// for the response.
		rendered := make(chan error, 1)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.SecurityHeaders(w, r)
			rendered <- s.Render(w, r, http.StatusTeapot, page, data{Title: "T", Pad: pad, Fail: r.URL.Path == "/bad"})
		}))
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
			return resp, string(body)
		}

		resp, body := get("/good")
		if renderErr := <-rendered; resp.StatusCode != http.StatusTeapot || !strings.HasPrefix(body, "<!DOCTYPE html><h1>PARTIAL T</h1>") || !strings.HasSuffix(body, "<p>end</p>") || renderErr != nil {
			t.Errorf("%s: good page: %d, %d bytes, %v", tc.name, resp.StatusCode, len(body), renderErr)
		}
		if ct, cc := resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"); ct != "text/html; charset=utf-8" || cc != "no-store" {
			t.Errorf("%s: Content-Type %q, Cache-Control %q", tc.name, ct, cc)
		}

		resp, body = get("/bad")
		if resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("%s: failing template: %d, want 500", tc.name, resp.StatusCode)
		}
		if body != tc.want || strings.Contains(body, "PARTIAL") {
			t.Errorf("%s: failing template gave %d bytes:\n%.200s", tc.name, len(body), body)
		}
		if resp.ContentLength != int64(len(tc.want)) || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" ||
			resp.Header.Get("Content-Security-Policy") != testCSP {
			t.Errorf("%s: 500 headers %v", tc.name, resp.Header)
		}
		if renderErr := <-rendered; renderErr == nil || !strings.Contains(renderErr.Error(), "boom") {
			t.Errorf("%s: Render returned %v, want the template's error", tc.name, renderErr)
		}
		srv.Close()
	}
}
