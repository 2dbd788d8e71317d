package websession

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
)

// plainErrorPage is the 500 page of a Site without an ErrorPage.
const plainErrorPage = `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>500 Internal Server Error</title></head>
<body><h1>Internal Server Error</h1><p>Something went wrong. Please try again later.</p></body>
</html>
`

// Render writes t executed with data as an HTML page with status. The
// page is executed into a buffer first and only then is anything written,
// so a template that fails halfway gives a whole 500 page (Config's
// ErrorPage) instead of a status already sent and half a page under it;
// the error is returned for the caller to log. Pages carry CSRF tokens and
// personal data, so no cache may keep them.
func (s *Site) Render(w http.ResponseWriter, r *http.Request, status int, t *template.Template, data any) error {
	var buf bytes.Buffer
	err := t.Execute(&buf, data)
	body := buf.Bytes()
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(plainErrorPage)
		if s.cfg.ErrorPage != nil {
			body = s.cfg.ErrorPage(r)
		}
		err = fmt.Errorf("rendering %s: %w", t.Name(), err)
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
	return err
}
