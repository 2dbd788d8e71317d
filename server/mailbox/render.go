package mailbox

import (
	"bytes"
	"fmt"
	"net/http"
	"time"

	"github.com/svarsign/svarsign/ent"
)

// view is what every template gets: the language, the logged-in citizen
// (nil on the login page), the CSRF token for its forms and the page's
// own data. Its methods translate and format in the page's language.
type view struct {
	Lang    lang
	Session *ent.CitizenSession
	CSRF    string
	Data    any
	// Simulated shows the simulated-login banner: the login imitates
	// ID-porten, so every page must say so.
	Simulated bool

	texts catalog
	loc   *time.Location
}

// T is the text for key.
func (v *view) T(key string) string { return v.texts.text(v.Lang, key) }

// Tf is the text for key with args filled in.
func (v *view) Tf(key string, args ...any) string { return fmt.Sprintf(v.T(key), args...) }

// Time formats t for the page's language in Norwegian time.
func (v *view) Time(t time.Time) string { return formatTime(v.Lang, t, v.loc) }

// Size formats a byte count.
func (v *view) Size(n int64) string { return formatSize(n) }

// Signing names a signing status.
func (v *view) Signing(status fmt.Stringer) string { return v.T("signing." + status.String()) }

func (h *handler) newView(r *http.Request, sess *ent.CitizenSession, data any) *view {
	v := &view{Lang: chooseLang(r), Session: sess, Data: data, Simulated: h.cfg.SimulatedLogin, texts: h.texts, loc: h.loc}
	if sess != nil {
		v.CSRF = sess.Csrf
	}
	return v
}

// render writes page name with status. It renders into a buffer first, so
// a template error becomes a clean 500 instead of half a page.
func (h *handler) render(w http.ResponseWriter, r *http.Request, name string, status int, v *view) {
	var buf bytes.Buffer
	if err := h.pages[name].Execute(&buf, v); err != nil {
		h.log.ErrorContext(r.Context(), "mailbox: rendering page", "page", name, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", string(v.Lang))
	w.Header().Add("Vary", "Accept-Language")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage is the data of the error page.
type errorPage struct {
	Message string
	// Back is where the citizen can go on from here, if anywhere.
	Back string
}

// fail shows the error page with status and the text for key. When err is
// not nil it is logged: the citizen only learns that something went wrong.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, sess *ent.CitizenSession, status int, key string, err error, args ...any) {
	if err != nil {
		h.log.ErrorContext(r.Context(), "mailbox: request failed", "method", r.Method, "path", logPath(r), "status", status, "err", err)
	}
	v := h.newView(r, sess, nil)
	p := errorPage{Message: v.Tf(key, args...)}
	if sess != nil {
		p.Back = "/mailbox/"
	}
	v.Data = p
	h.render(w, r, "error", status, v)
}
