package portal

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/org"
	"github.com/svarsign/svarsign/ent/user"
	"github.com/svarsign/svarsign/ent/usersession"
	"github.com/svarsign/svarsign/server/admin"
	"github.com/svarsign/svarsign/server/auth"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/tenant"
	"github.com/svarsign/svarsign/server/websession"
)

// loginCSRFCookie holds the login form's double-submit token: before login
// there is no session to keep a CSRF token in.
const loginCSRFCookie = "svarsign_portal_login"

// sessionCookie is the case worker's session cookie. Path / because the
// page's calls go to /svarsign.v1.… and /v1/. Strict: no page on another
// site can make the browser send it.
func sessionCookie() websession.Cookie {
	return websession.Cookie{Name: auth.SessionCookie, Path: "/", SameSite: http.SameSiteStrictMode, MaxAge: auth.SessionLifetime}
}

// session returns the logged-in case worker, or nil.
func (h *handler) session(r *http.Request) (*auth.Session, error) {
	token := auth.SessionToken(r.Header)
	if token == "" {
		return nil, nil
	}
	s, err := h.sessions.LookupSession(r.Context(), websession.Hash(token), h.cfg.Now())
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("looking up session: %w", err)
	}
	return &s, nil
}

// requireSession returns the logged-in case worker or sends the browser to
// the login page, coming back here afterwards.
func (h *handler) requireSession(w http.ResponseWriter, r *http.Request) (*auth.Session, bool) {
	s, err := h.session(r)
	if err != nil {
		h.log.ErrorContext(r.Context(), "portal: session", "err", err)
		http.Error(w, "Noe gikk galt. Prøv igjen om litt.", http.StatusInternalServerError)
		return nil, false
	}
	if s == nil {
		http.Redirect(w, r, Prefix+"/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return nil, false
	}
	return s, true
}

// loginPage is the data of the login form.
type loginPage struct {
	Org, Email, Next string
	CSRF             string
	// Error is shown above the form; it never says which field was wrong,
	// so the form does not tell which accounts exist.
	Error string
}

func (h *handler) loginForm(w http.ResponseWriter, r *http.Request) {
	p := loginPage{Next: h.site.Next(r.URL.Query().Get("next")), CSRF: h.site.LoginToken(w, r)}
	h.render(w, r, "login", http.StatusOK, view{Title: "Logg inn", Page: "login", Data: p})
}

// clientIP is the peer address. X-Forwarded-For is not trusted: anyone can
// send it, and the limit would then be theirs to choose.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// parseForm reads a POSTed form, bounded by ServeHTTP, and answers 413 or
// 400 itself when it cannot.
func parseForm(w http.ResponseWriter, r *http.Request) bool {
	err := r.ParseForm()
	if err == nil {
		return true
	}
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		http.Error(w, "Skjemaet er for stort.", http.StatusRequestEntityTooLarge)
	} else {
		http.Error(w, "Skjemaet kunne ikke leses.", http.StatusBadRequest)
	}
	return false
}

// login checks the password and starts a session. Every failure gets the
// same answer and, through a dummy hash for unknown users, about the same
// time. Each attempt is counted per IP and per account before its password
// is hashed (see limiter), so no burst of concurrent guesses gets past the
// limit.
func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	csrf, cerr := h.site.CheckLogin(r)
	if cerr != nil {
		h.log.WarnContext(r.Context(), "portal: refused login without a matching CSRF token or from another origin", "err", cerr)
		http.Error(w, "Skjemaet er utløpt eller kom fra en annen side. Last inn innloggingssiden på nytt.", http.StatusForbidden)
		return
	}
	p := loginPage{
		Org:   strings.TrimSpace(r.PostFormValue("org")),
		Email: admin.NormalizeEmail(r.PostFormValue("email")),
		Next:  h.site.Next(r.PostFormValue("next")),
		CSRF:  csrf,
	}
	password := r.PostFormValue("password")
	fail := func(code int, msg string) {
		p.Error = msg
		h.render(w, r, "login", code, view{Title: "Logg inn", Page: "login", Data: p})
	}
	ip, account := clientIP(r), p.Org+"\x00"+p.Email
	now := h.cfg.Now()
	try, wait := h.limiter.reserve(ip, account, now)
	if wait > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		h.log.WarnContext(r.Context(), "portal: login refused by the rate limit", "org", p.Org, "ip", ip)
		fail(http.StatusTooManyRequests, fmt.Sprintf("For mange innloggingsforsøk. Prøv igjen om %d minutter.", int(wait.Minutes())+1))
		return
	}

	ctx := r.Context()
	// What no account can have is not looked up: the database would choke
	// on NUL or invalid UTF-8. It fails like any unknown account.
	var u *ent.User
	var err error
	if domain.CheckOrganizationNumber(p.Org) == nil && domain.CheckText(p.Email, false) == nil {
		// Who is logging in is not known yet: the account is looked up
		// across organisations, by the organisation number typed.
		u, err = h.cfg.DB.Ent.User.Query().Where(user.Email(p.Email), user.HasOrgWith(org.Number(p.Org))).
			Only(tenant.With(ctx, tenant.System("case-worker login")))
	}
	if err != nil && !ent.IsNotFound(err) {
		try.cancel()
		h.log.ErrorContext(ctx, "portal: finding user", "err", err)
		fail(http.StatusInternalServerError, "Noe gikk galt. Prøv igjen om litt.")
		return
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	}
	select {
	case h.hashing <- struct{}{}:
	case <-ctx.Done():
		try.cancel()
		return
	}
	ok := auth.PasswordMatches(password, hash)
	<-h.hashing
	if !ok {
		h.log.WarnContext(ctx, "portal: failed login", "org", p.Org, "ip", ip)
		fail(http.StatusUnauthorized, "Feil organisasjonsnummer, e-postadresse eller passord.")
		return
	}
	try.succeeded()

	// Logging in again ends the browser's old session, and expired
	// sessions are cleared on the way.
	gone := usersession.ExpiresAtLTE(now.UTC())
	if old := auth.SessionToken(r.Header); old != "" {
		gone = usersession.Or(gone, usersession.TokenHash(websession.Hash(old)))
	}
	if _, err := h.cfg.DB.Ent.UserSession.Delete().Where(gone).Exec(ctx); err != nil {
		h.log.ErrorContext(ctx, "portal: ending old sessions", "err", err)
		fail(http.StatusInternalServerError, "Noe gikk galt. Prøv igjen om litt.")
		return
	}
	token, tokenHash := websession.NewToken()
	sessionCSRF, _ := websession.NewToken()
	err = h.cfg.DB.Ent.UserSession.Create().
		SetTokenHash(tokenHash).SetUserID(u.ID).SetCsrf(sessionCSRF).
		SetCreatedAt(now.UTC()).SetExpiresAt(now.Add(auth.SessionLifetime).UTC()).
		Exec(ctx)
	if err != nil {
		h.log.ErrorContext(ctx, "portal: creating session", "err", err)
		fail(http.StatusInternalServerError, "Noe gikk galt. Prøv igjen om litt.")
		return
	}
	h.site.SetCookie(w, r, sessionCookie(), token)
	h.site.EndLogin(w, r)
	h.log.InfoContext(ctx, "portal: login", "user", u.ID, "org", p.Org)
	http.Redirect(w, r, p.Next, http.StatusSeeOther)
}

// logout ends the session; the form carries the session's CSRF token, so
// another site cannot log the case worker out.
func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	token := auth.SessionToken(r.Header)
	s, err := h.session(r)
	if err != nil {
		h.log.ErrorContext(r.Context(), "portal: session", "err", err)
		http.Error(w, "Noe gikk galt. Prøv igjen om litt.", http.StatusInternalServerError)
		return
	}
	if s != nil {
		if err := h.site.CheckPost(r, s.CSRF); err != nil {
			h.log.WarnContext(r.Context(), "portal: refused logout", "err", err)
			http.Error(w, "Skjemaet kom fra en annen side.", http.StatusForbidden)
			return
		}
		if _, err := h.cfg.DB.Ent.UserSession.Delete().Where(usersession.TokenHash(websession.Hash(token))).Exec(r.Context()); err != nil {
			h.log.ErrorContext(r.Context(), "portal: ending session", "err", err)
			http.Error(w, "Noe gikk galt. Prøv igjen om litt.", http.StatusInternalServerError)
			return
		}
	}
	h.site.ClearCookie(w, r, sessionCookie())
	http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
}
