// Package websession is what the two server-rendered front ends, the
// citizen's mailbox (server/mailbox) and the case workers' manual
// submission portal (server/portal), share about browsers:
//
//   - tokens: random, stored only as their SHA-256, compared in constant
//     time (token.go);
//   - the login form's double-submit cookie and the same-origin check on
//     every form post (csrf.go);
//   - where a login may send the browser back to (next.go);
//   - cookies whose Secure flag follows the public URL, and the security
//     headers every response carries (this file);
//   - pages rendered into a buffer first, so that a template error is a
//     clean 500 rather than half a page (render.go);
//   - the public URL, proxy detection and naming a token in a log (edge.go,
//     token.go).
//
// What a session is (its table, lifetime, assurance level) stays with each
// front end: this package owns only what a browser sees. A front end makes
// one Site in its constructor and keeps it; a Site holds no state that
// changes after New.
package websession

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Config describes one front end.
type Config struct {
	// PublicURL is where browsers reach the service (see ParsePublicURL),
	// nil if not configured. An https URL makes cookies Secure and turns
	// on HSTS; its origin is trusted for form posts, since behind a proxy
	// that rewrites Host the pages' own origin is the public one.
	PublicURL *url.URL
	// CSP is the front end's Content-Security-Policy. It must contain
	// frame-ancestors: no page of either front end may be framed.
	CSP string
	// Home is where a login returns to when the requested page is not
	// acceptable (see Next). It must lie under one of Pages.
	Home string
	// Pages are the path prefixes a login may return to (see LocalNext).
	Pages []string
	// LoginPath is the login page. A login never returns to it, and the
	// login form's cookie is sent only there.
	LoginPath string
	// LoginCookie names the login form's double-submit cookie.
	LoginCookie string
	// ErrorPage returns the body of the 500 page sent when a template
	// fails (see Render). It must not itself depend on a template; nil
	// gives a plain page.
	ErrorPage func(r *http.Request) []byte
}

// Site is one front end's view of browsers: its cookies, origin checks,
// redirects, headers and pages.
type Site struct {
	cfg     Config
	origins *http.CrossOriginProtection
	login   Cookie
}

// New checks cfg and returns the front end's Site.
func New(cfg Config) (*Site, error) {
	switch {
	case !strings.Contains(cfg.CSP, "frame-ancestors"):
		return nil, errors.New("websession: the CSP must set frame-ancestors")
	case cfg.LoginCookie == "" || !strings.HasPrefix(cfg.LoginPath, "/"):
		return nil, errors.New("websession: LoginCookie and LoginPath (an absolute path) are required")
	}
	if _, ok := LocalNext(cfg.Home, cfg.Pages...); !ok {
		return nil, fmt.Errorf("websession: home %q is not under any of %q", cfg.Home, cfg.Pages)
	}
	origins := http.NewCrossOriginProtection()
	if cfg.PublicURL != nil {
		if err := origins.AddTrustedOrigin(cfg.PublicURL.Scheme + "://" + cfg.PublicURL.Host); err != nil {
			return nil, fmt.Errorf("websession: public URL: %w", err)
		}
	}
	return &Site{
		cfg: cfg, origins: origins,
		login: Cookie{Name: cfg.LoginCookie, Path: cfg.LoginPath, SameSite: http.SameSiteStrictMode, MaxAge: LoginLifetime},
	}, nil
}

// SecurityHeaders sets what every response of a front end carries: its
// CSP; no framing (clickjacking), also for browsers that ignore
// frame-ancestors; no MIME sniffing; Referer only to this origin, so
// tokens in paths do not leak to other sites while same-origin posts still
// carry it for SameOrigin; and HSTS when browsers reach the service over
// https, so they never again try it over plain HTTP.
func (s *Site) SecurityHeaders(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", s.cfg.CSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	if s.Secure(r) {
		hd.Set("Strict-Transport-Security", "max-age=31536000")
	}
}

// Secure reports whether cookies set in answer to r must be Secure (see
// SecureCookies).
func (s *Site) Secure(r *http.Request) bool { return SecureCookies(r, s.cfg.PublicURL) }

// Cookie is a cookie a front end sets. Every such cookie is HttpOnly (no
// page script reads cookies: the portal's bundle gets its CSRF token from
// the page) and Secure when the service is reached over https.
type Cookie struct {
	Name, Path string
	// SameSite is Strict when left zero.
	SameSite http.SameSite
	MaxAge   time.Duration
}

func (s *Site) cookie(r *http.Request, c Cookie, value string, maxAge int) *http.Cookie {
	same := c.SameSite
	if same == 0 {
		same = http.SameSiteStrictMode
	}
	return &http.Cookie{
		Name: c.Name, Value: value, Path: c.Path, MaxAge: maxAge,
		HttpOnly: true, Secure: s.Secure(r), SameSite: same,
	}
}

// SetCookie sets c to value for c.MaxAge.
func (s *Site) SetCookie(w http.ResponseWriter, r *http.Request, c Cookie, value string) {
	http.SetCookie(w, s.cookie(r, c, value, int(c.MaxAge.Seconds())))
}

// ClearCookie tells the browser to forget c.
func (s *Site) ClearCookie(w http.ResponseWriter, r *http.Request, c Cookie) {
	http.SetCookie(w, s.cookie(r, c, "", -1))
}

// Next returns where a login may send the browser back to: next when it
// is a page under the front end's Pages other than the login itself (see
// LocalNext), else Home. So the login cannot be used to redirect anywhere
// else, nor in a circle.
func (s *Site) Next(next string) string {
	p, ok := LocalNext(next, s.cfg.Pages...)
	login := s.cfg.LoginPath
	if !ok || p == login || strings.HasPrefix(p, login+"?") || strings.HasPrefix(p, login+"/") {
		return s.cfg.Home
	}
	return p
}
