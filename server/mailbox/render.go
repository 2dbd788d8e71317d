package mailbox

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/server/domain"
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
func (v *view) Signing(status domain.SigningStatus) string { return v.T("signing." + string(status)) }

func (h *handler) newView(r *http.Request, sess *ent.CitizenSession, data any) *view {
	v := &view{Lang: chooseLang(r), Session: sess, Data: data, Simulated: h.cfg.SimulatedLogin, texts: h.texts, loc: h.loc}
	if sess != nil {
		v.CSRF = sess.Csrf
	}
	return v
}

// render writes page name with status (see websession.Site.Render: a
// template error becomes errorPage, never half a page).
func (h *handler) render(w http.ResponseWriter, r *http.Request, name string, status int, v *view) {
	w.Header().Set("Content-Language", string(v.Lang))
	w.Header().Add("Vary", "Accept-Language")
	if err := h.site.Render(w, r, status, h.pages[name], v); err != nil {
		h.log.ErrorContext(r.Context(), "mailbox: rendering page", "page", name, "err", err)
	}
}

// errorPage is the page sent when a template fails: the error page in the
// browser's language, with the simulated-login banner when there is one,
// written without a template so that it cannot fail too.
func (h *handler) errorPage(r *http.Request) []byte {
	l := chooseLang(r)
	t := func(key string) string { return template.HTMLEscapeString(h.texts.text(l, key)) }
	var b bytes.Buffer
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"+
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"+
		"<title>%s – %s</title>\n<link rel=\"stylesheet\" href=\"/mailbox/static/style.css\">\n</head>\n<body>\n",
		l, t("err.title"), t("app.name"))
	if h.cfg.SimulatedLogin {
		fmt.Fprintf(&b, "<div class=\"banner\" role=\"note\"><strong>%s</strong> <span>%s</span></div>\n", t("banner"), t("banner.detail"))
	}
	fmt.Fprintf(&b, "<main id=\"main\">\n<h1>%s</h1>\n<p class=\"error\" role=\"alert\">%s</p>\n"+
		"<p><a href=\"/mailbox/\">%s</a></p>\n</main>\n</body>\n</html>\n",
		t("err.title"), t("err.internal"), t("tomailbox"))
	return b.Bytes()
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
