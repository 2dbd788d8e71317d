// Package mailbox is the citizen's side of svarsign: a small built-in
// digital mailbox and the local signing provider's ceremony pages, rendered
// on the server with html/template and served on the service's one port.
//
// A citizen logs in through a simulated ID-porten (national identity number,
// name and assurance level chosen on a form), sees the shipments sent to
// them, opens one (which marks it READ), downloads its documents and, for a
// signing order, starts a signing ceremony in the direct style: the mailbox
// checks the order, creates a single-use ceremony token and redirects to
// the provider's page under /provider/local/, where the citizen signs or
// rejects. The simulated login is for tests and demonstrations only: it is
// served only when explicitly turned on (serve --simulated-login), never to
// a request that came through a proxy, and every page says that it is
// simulated.
//
// Routes:
//
//	GET  /mailbox/                                   list of the citizen's shipments
//	GET  /mailbox/login, POST /mailbox/login          simulated ID-porten
//	POST /mailbox/logout
//	GET  /mailbox/shipments/{id}                      open (marks READ)
//	GET  /mailbox/shipments/{id}/documents/{doc}      download a document
//	POST /mailbox/shipments/{id}/sign                 start a signing ceremony
//	GET  /mailbox/shipments/{id}/signed, .../rejected completion pages
//	GET  /provider/local/ceremony/{token}             review, sign or reject
//	GET  /provider/local/ceremony/{token}/document    the document to sign
//	POST /provider/local/ceremony/{token}/sign, .../reject
//
// Every POST carries the session's CSRF token (the login form a
// double-submit cookie) and, when the browser sends Origin or Referer,
// must come from the same host; these checks, the cookies, redirects,
// security headers and page rendering are server/websession's, shared with
// the portal.
package mailbox

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
	_ "time/tzdata" // Norwegian time even where the system has no zone database

	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/signing"
	"github.com/svarsign/svarsign/server/store"
	"github.com/svarsign/svarsign/server/websession"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Lifetimes of what the pages hand out. A session is short, like an
// ID-porten session; a ceremony must be completed soon after it starts.
const (
	SessionLifetime  = 30 * time.Minute
	CeremonyLifetime = 15 * time.Minute
)

// Cookie names.
const (
	// SessionCookie holds the citizen's session token; only its sha256 is stored.
	SessionCookie = "svarsign_citizen"
	// loginCSRFCookie is the double-submit token of the login form, which
	// has no session yet to hold a CSRF token.
	loginCSRFCookie = "svarsign_login_csrf"
)

// Method is how a signer is identified in evidence and history.
const Method = "ID-porten (simulert)"

// Config is what the mailbox needs from the service.
type Config struct {
	DB     *database.DB
	Blobs  *store.Blobs
	Signer *signing.Signer
	// Now is the service clock; default time.Now.
	Now func() time.Time
	// Logger receives errors the citizen only sees as "something went wrong".
	Logger *slog.Logger
	// SimulatedLogin serves the simulated ID-porten login. Without it the
	// login page explains that no login is configured, and nobody can log
	// in. Set it only on a test system, where anyone who reaches the port
	// may impersonate any citizen. Even then a request carrying a
	// forwarding header (see websession.Forwarded) is refused the login: a
	// proxy in front means the port is published.
	SimulatedLogin bool
	// PublicURL is where browsers reach the service (see
	// websession.ParsePublicURL), nil if not configured. An https URL makes
	// the cookies Secure; its origin is trusted for form posts.
	PublicURL *url.URL
}

// maxFormBytes bounds a posted form: a few short fields.
const maxFormBytes = 64 << 10

// handler serves the pages. Templates are parsed once, in New.
type handler struct {
	cfg   Config
	log   *slog.Logger
	pages map[string]*template.Template
	mux   *http.ServeMux
	texts catalog
	// loc is Norwegian time, in which the pages show times.
	loc *time.Location
	// site checks posts, sets cookies and headers, and renders pages.
	site *websession.Site
}

// pageNames are the pages, one template file each besides the layout.
func pageNames() []string {
	return []string{"login", "login_disabled", "list", "shipment", "ceremony", "done", "error"}
}

// parsePages parses each page with the layout.
func parsePages() (map[string]*template.Template, error) {
	pages := make(map[string]*template.Template)
	for _, name := range pageNames() {
		t, err := template.ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("mailbox: parsing template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// siteConfig is the mailbox as server/websession sees it.
func (h *handler) siteConfig() websession.Config {
	return websession.Config{
		PublicURL: h.cfg.PublicURL,
		// No script at all; styles and images from here; forms post only here.
		CSP:         "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
		Home:        "/mailbox/",
		Pages:       []string{"/mailbox", "/provider/local/ceremony"},
		LoginPath:   "/mailbox/login",
		LoginCookie: loginCSRFCookie,
		ErrorPage:   h.errorPage,
	}
}

// New returns the handler for /mailbox/ and /provider/local/; mount it at
// both prefixes.
func New(cfg Config) (http.Handler, error) {
	if cfg.DB == nil || cfg.Blobs == nil || cfg.Signer == nil {
		return nil, errors.New("mailbox: DB, Blobs and Signer are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	h := &handler{
		cfg: cfg, log: cfg.Logger,
		mux:   http.NewServeMux(),
		texts: newCatalog(),
	}
	site, err := websession.New(h.siteConfig())
	if err != nil {
		return nil, fmt.Errorf("mailbox: %w", err)
	}
	h.site = site
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		return nil, fmt.Errorf("mailbox: loading Norwegian time zone: %w", err)
	}
	h.loc = loc
	if h.pages, err = parsePages(); err != nil {
		return nil, err
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("mailbox: static files: %w", err)
	}
	m := h.mux
	m.Handle("GET /mailbox/static/", http.StripPrefix("/mailbox/static/", http.FileServerFS(static)))
	m.HandleFunc("GET /mailbox/login", h.loginForm)
	m.HandleFunc("POST /mailbox/login", h.login)
	m.HandleFunc("POST /mailbox/logout", h.logout)
	m.HandleFunc("GET /mailbox/{$}", h.list)
	m.HandleFunc("GET /mailbox/shipments/{id}", h.open)
	m.HandleFunc("GET /mailbox/shipments/{id}/documents/{doc}", h.download)
	m.HandleFunc("POST /mailbox/shipments/{id}/sign", h.startCeremony)
	m.HandleFunc("GET /mailbox/shipments/{id}/signed", h.outcome)
	m.HandleFunc("GET /mailbox/shipments/{id}/rejected", h.outcome)
	m.HandleFunc("GET /provider/local/ceremony/{token}", h.ceremony)
	m.HandleFunc("GET /provider/local/ceremony/{token}/document", h.ceremonyDocument)
	m.HandleFunc("POST /provider/local/ceremony/{token}/sign", h.ceremonySign)
	m.HandleFunc("POST /provider/local/ceremony/{token}/reject", h.ceremonyReject)
	m.HandleFunc("/", h.notFound)
	return h, nil
}

// ServeHTTP sets the headers every response shares (see
// websession.Site.SecurityHeaders). Everything here, documents included,
// holds personal data, so no cache may keep any of it.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.site.SecurityHeaders(w, r)
	w.Header().Set("Cache-Control", "no-store")
	// The forms are a few short fields; nothing larger is ever posted.
	// Reading the form here makes an oversized or broken one a clear
	// error rather than an empty form that fails the CSRF check.
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			status := http.StatusBadRequest
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				status = http.StatusRequestEntityTooLarge
			}
			h.fail(w, r, nil, status, "err.form", nil)
			return
		}
	}
	h.mux.ServeHTTP(w, r)
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.fail(w, r, nil, http.StatusNotFound, "err.notfound", nil)
}
