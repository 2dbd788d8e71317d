// Package portal serves the manual submission pages (manuell innsending):
// the page where a case worker without an integrated case system uploads
// documents, picks recipients, optionally asks a citizen to sign, and sends;
// and the page that follows the organisation's shipments live.
//
// The pages are thin HTML shells rendered here; the work is done in the
// browser by a TypeScript bundle (web/, built into dist/ and embedded) that
// calls the same Connect RPCs as any system, authenticated by the case
// worker's session cookie and a CSRF header instead of an API key (see
// server/auth and docs/decisions/0008-portal-session-auth.md). Documents go
// up with a plain PUT to the JSON facade's raw upload route, because
// browsers cannot stream a request to a gRPC client-streaming method.
//
// This package owns logins: the login form, the session table, logout and
// the rate limit on password guesses.
package portal

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/svarsign/svarsign/server/auth"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/websession"
)

// The bundle is built from web/ and committed, so that building and running
// svarsign needs no Node; TestBundleIsCurrent keeps it in step with web/.
//go:generate npm --prefix ../.. run build:portal

// Prefix is where the pages live, as in SvarUt.
const Prefix = "/manuell-innsending"

//go:embed templates/*.html static dist
var files embed.FS

// Config is what the pages need.
type Config struct {
	DB *database.DB
	// Now is the clock sessions expire by; default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// LoginLimit bounds login attempts; the zero value means 5 per
	// address and 20 per client IP within 15 minutes.
	LoginLimit LoginLimit
	// PublicURL is where browsers reach the service (see
	// websession.ParsePublicURL), nil if not configured. An https URL makes
	// the cookies Secure; its origin is trusted for form posts.
	PublicURL *url.URL
}

// maxFormBytes bounds a posted form: the login form is three short fields.
const maxFormBytes = 64 << 10

// handler serves the pages. Everything it keeps between requests lives in
// the database except the login limiter, which is deliberately per process.
type handler struct {
	cfg      Config
	log      *slog.Logger
	sessions auth.EntSessions
	pages    map[string]*template.Template
	assets   http.Handler
	// site checks posts, sets cookies and headers, and renders pages.
	site    *websession.Site
	limiter *limiter
	// hashing bounds concurrent password checks: each takes 19 MiB and
	// tens of milliseconds of CPU, so a burst of logins must queue rather
	// than exhaust the machine.
	hashing chan struct{}
	mux     *http.ServeMux
}

// New returns the handler for Prefix; mount it at Prefix and Prefix+"/".
func New(cfg Config) (http.Handler, error) {
	if cfg.DB == nil {
		return nil, errors.New("portal: DB is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	site, err := websession.New(siteConfig(cfg.PublicURL))
	if err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	h := &handler{
		cfg: cfg, log: cfg.Logger,
		sessions: auth.EntSessions{Client: cfg.DB.Ent},
		site:     site,
		limiter:  newLimiter(cfg.LoginLimit),
		hashing:  make(chan struct{}, 4),
		mux:      http.NewServeMux(),
	}
	if h.pages, err = parsePages(); err != nil {
		return nil, err
	}
	static, err := fs.Sub(files, "static")
	if err != nil {
		return nil, err
	}
	dist, err := fs.Sub(files, "dist")
	if err != nil {
		return nil, err
	}
	// The bundle and the style sheet change only with the binary; a
	// short max-age keeps an upgrade visible within minutes.
	assets := http.NewServeMux()
	assets.Handle("GET "+Prefix+"/assets/app.js", http.StripPrefix(Prefix+"/assets/", http.FileServerFS(dist)))
	assets.Handle("GET "+Prefix+"/assets/portal.css", http.StripPrefix(Prefix+"/assets/", http.FileServerFS(static)))
	h.assets = assets

	h.mux.HandleFunc("GET "+Prefix, h.sendPage)
	h.mux.HandleFunc("GET "+Prefix+"/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
	})
	h.mux.HandleFunc("GET "+Prefix+"/status", h.statusPage)
	h.mux.HandleFunc("GET "+Prefix+"/login", h.loginForm)
	h.mux.HandleFunc("POST "+Prefix+"/login", h.login)
	h.mux.HandleFunc("POST "+Prefix+"/logout", h.logout)
	h.mux.Handle("GET "+Prefix+"/assets/", h.assets)
	return h, nil
}

// parsePages parses each page with the layout, which it starts at.
func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range []string{"login", "send", "status"} {
		t, err := template.ParseFS(files, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("portal: parsing template %s: %w", name, err)
		}
		if t = t.Lookup("layout"); t == nil {
			return nil, fmt.Errorf("portal: template %s has no layout", name)
		}
		pages[name] = t
	}
	return pages, nil
}

// siteConfig is the portal as server/websession sees it.
func siteConfig(public *url.URL) websession.Config {
	return websession.Config{
		PublicURL: public,
		// The pages run only their own bundle and talk only to this
		// origin; no framing (clickjacking), no inline script, no plug-ins.
		CSP:         "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
		Home:        Prefix,
		Pages:       []string{Prefix},
		LoginPath:   Prefix + "/login",
		LoginCookie: loginCSRFCookie,
		ErrorPage:   func(*http.Request) []byte { return []byte(errorPage) },
	}
}

// errorPage is sent when a page's template fails; it needs no template.
const errorPage = `<!doctype html>
<html lang="nb">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Noe gikk galt – Manuell innsending – svarsign</title>
<link rel="stylesheet" href="/manuell-innsending/assets/portal.css">
</head>
<body>
<main id="main" class="wrap">
<h1>Noe gikk galt</h1>
<p class="error-box" role="alert">Noe gikk galt. Prøv igjen om litt.</p>
<p><a href="/manuell-innsending">Til forsiden</a></p>
</main>
</body>
</html>
`

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.site.SecurityHeaders(w, r)
	// The forms are a few short fields; nothing larger is ever posted
	// here (documents go to the JSON facade).
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	h.mux.ServeHTTP(w, r)
}

// view is what every page template gets.
type view struct {
	Title string
	// Session is nil on the login page.
	Session *auth.Session
	// Page names the page for the bundle (body data-page).
	Page string
	Data any
}

// render writes page name with code (see websession.Site.Render: a
// template error becomes errorPage, never half a page).
func (h *handler) render(w http.ResponseWriter, r *http.Request, name string, code int, v view) {
	if err := h.site.Render(w, r, code, h.pages[name], v); err != nil {
		h.log.ErrorContext(r.Context(), "portal: rendering page", "page", name, "err", err)
	}
}

// sendPage is the manual submission form.
func (h *handler) sendPage(w http.ResponseWriter, r *http.Request) {
	s, ok := h.requireSession(w, r)
	if !ok {
		return
	}
	h.render(w, r, "send", http.StatusOK, view{Title: "Ny forsendelse", Session: s, Page: "send", Data: sendForm{}})
}

// statusPage lists the organisation's shipments.
func (h *handler) statusPage(w http.ResponseWriter, r *http.Request) {
	s, ok := h.requireSession(w, r)
	if !ok {
		return
	}
	h.render(w, r, "status", http.StatusOK, view{Title: "Sendte forsendelser", Session: s, Page: "status"})
}
