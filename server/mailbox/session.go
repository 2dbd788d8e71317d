package mailbox

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/svarsign/svarsign/ent"
	"github.com/svarsign/svarsign/ent/citizensession"
	"github.com/svarsign/svarsign/server/domain"
	"github.com/svarsign/svarsign/server/websession"
)

// citizenCookie is the session cookie. Lax, not Strict: with a real
// provider the citizen comes back to the completion page by a cross-site
// redirect and must still be logged in. Lax still keeps the cookie off
// cross-site POSTs.
func citizenCookie() websession.Cookie {
	return websession.Cookie{Name: SessionCookie, Path: "/", SameSite: http.SameSiteLaxMode, MaxAge: SessionLifetime}
}

// session returns the logged-in citizen, or nil when the request carries
// no live session.
func (h *handler) session(r *http.Request) (*ent.CitizenSession, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	s, err := h.cfg.DB.Ent.CitizenSession.Query().
		Where(citizensession.TokenHash(websession.Hash(c.Value)), citizensession.ExpiresAtGT(h.cfg.Now())).
		Only(r.Context())
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("looking up session: %w", err)
	}
	return s, nil
}

// requireSession returns the logged-in citizen or, when there is none,
// sends the browser to the login page, coming back here afterwards (or to
// the mailbox after a POST, which cannot be repeated by a redirect).
func (h *handler) requireSession(w http.ResponseWriter, r *http.Request) (*ent.CitizenSession, bool) {
	s, err := h.session(r)
	if err != nil {
		h.fail(w, r, nil, http.StatusInternalServerError, "err.internal", err)
		return nil, false
	}
	if s == nil {
		next := "/mailbox/"
		if r.Method == http.MethodGet {
			next = r.URL.RequestURI()
		}
		http.Redirect(w, r, loginURL(0, next), http.StatusSeeOther)
		return nil, false
	}
	return s, true
}

// loginURL is the login page asking for level (0: the citizen chooses)
// and returning to next.
func loginURL(level int, next string) string {
	q := url.Values{}
	if level != 0 {
		q.Set("level", fmt.Sprint(level))
	}
	if next != "" {
		q.Set("next", next)
	}
	if len(q) == 0 {
		return "/mailbox/login"
	}
	return "/mailbox/login?" + q.Encode()
}

// stepUp sends a citizen logged in at level 3 to log in again at level 4,
// as SvarUt's krevNiva4Innlogging asks, coming back to next.
func stepUp(w http.ResponseWriter, r *http.Request, next string) {
	http.Redirect(w, r, loginURL(4, next), http.StatusSeeOther)
}

// checkPost checks a citizen's POST: same origin, and the session's CSRF
// token in the form. It answers 403 itself when the check fails.
func (h *handler) checkPost(w http.ResponseWriter, r *http.Request, s *ent.CitizenSession) bool {
	err := h.site.CheckPost(r, s.Csrf)
	if err == nil {
		return true
	}
	h.refused(r, err)
	h.fail(w, r, s, http.StatusForbidden, "err.csrf", nil)
	return false
}

// refused logs a POST that failed websession's checks.
func (h *handler) refused(r *http.Request, err error) {
	if errors.Is(err, websession.ErrCrossOrigin) {
		h.log.WarnContext(r.Context(), "mailbox: refused cross-origin POST", "path", logPath(r), "err", err)
	} else {
		h.log.WarnContext(r.Context(), "mailbox: refused POST with a missing or wrong CSRF token", "path", logPath(r))
	}
}

// loginPage is the data of the login form.
type loginPage struct {
	NIN, Name string
	Level     int
	Next      string
	// StepUp says the citizen was sent here to log in at level 4.
	StepUp bool
	Errors []string
}

// logPath is the request's path for a log line: a ceremony token in it is
// replaced by a short hash (see websession.LogID), since the token alone
// lets its citizen's session sign.
func logPath(r *http.Request) string { return websession.RedactPath(r.URL.Path, "/ceremony/") }

// disabledPage is the data of the page that explains why nobody can log in.
type disabledPage struct{ Title, Text string }

// loginRefused answers the login itself, with 403 and a page saying why,
// when the simulated login is off or the request came through a proxy.
func (h *handler) loginRefused(w http.ResponseWriter, r *http.Request) bool {
	v := h.newView(r, nil, nil)
	if !h.cfg.SimulatedLogin {
		v.Data = disabledPage{Title: v.T("disabled.title"), Text: v.T("disabled.text")}
	} else if name := websession.Forwarded(r.Header); name != "" {
		h.log.WarnContext(r.Context(), "mailbox: refused the simulated login to a request that came through a proxy", "header", name)
		v.Data = disabledPage{Title: v.T("proxied.title"), Text: v.Tf("proxied.text", name)}
	} else {
		return false
	}
	h.render(w, r, "login_disabled", http.StatusForbidden, v)
	return true
}

func (h *handler) loginForm(w http.ResponseWriter, r *http.Request) {
	if h.loginRefused(w, r) {
		return
	}
	p := loginPage{Level: 3, Next: h.site.Next(r.URL.Query().Get("next"))}
	if r.URL.Query().Get("level") == "4" {
		p.Level, p.StepUp = 4, true
	}
	// A citizen stepping up keeps their identity on the form.
	if s, err := h.session(r); err == nil && s != nil {
		p.NIN, p.Name = s.NationalID, s.Name
	}
	v := h.newView(r, nil, p)
	v.CSRF = h.site.LoginToken(w, r)
	h.render(w, r, "login", http.StatusOK, v)
}

// login creates a session for whoever the form names: this is the
// simulated ID-porten, so nothing but the number's form is checked.
func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	if h.loginRefused(w, r) {
		return
	}
	csrf, err := h.site.CheckLogin(r)
	if err != nil {
		h.refused(r, err)
		h.fail(w, r, nil, http.StatusForbidden, "err.csrf", nil)
		return
	}
	p := loginPage{
		NIN:  strings.TrimSpace(r.PostFormValue("nin")),
		Name: strings.TrimSpace(r.PostFormValue("name")),
		Next: h.site.Next(r.PostFormValue("next")),
	}
	p.StepUp = r.PostFormValue("stepup") == "1"
	v := h.newView(r, nil, nil)
	if domain.CheckNationalIdentityNumber(p.NIN) != nil {
		p.Errors = append(p.Errors, v.T("login.err.nin"))
	}
	if !validName(p.Name) {
		p.Errors = append(p.Errors, v.T("login.err.name"))
	}
	switch r.PostFormValue("level") {
	case "3":
		p.Level = 3
	case "4":
		p.Level = 4
	default:
		p.Level = 3
		p.Errors = append(p.Errors, v.T("login.err.level"))
	}
	if len(p.Errors) > 0 {
		v.Data, v.CSRF = p, csrf
		h.render(w, r, "login", http.StatusBadRequest, v)
		return
	}

	ctx := r.Context()
	now := h.cfg.Now()
	// Logging in again (to step up, or as someone else) ends the old
	// session, and expired sessions are cleared on the way.
	expired := citizensession.ExpiresAtLTE(now)
	if old, err := r.Cookie(SessionCookie); err == nil && old.Value != "" {
		expired = citizensession.Or(expired, citizensession.TokenHash(websession.Hash(old.Value)))
	}
	if _, err := h.cfg.DB.Ent.CitizenSession.Delete().Where(expired).Exec(ctx); err != nil {
		h.fail(w, r, nil, http.StatusInternalServerError, "err.internal", fmt.Errorf("ending old sessions: %w", err))
		return
	}
	token, hash := websession.NewToken()
	sessionCSRF, _ := websession.NewToken()
	err = h.cfg.DB.Ent.CitizenSession.Create().
		SetTokenHash(hash).SetNationalID(p.NIN).SetName(p.Name).SetLevel(p.Level).
		SetCsrf(sessionCSRF).SetCreatedAt(now.UTC()).SetExpiresAt(now.Add(SessionLifetime).UTC()).
		Exec(ctx)
	if err != nil {
		h.fail(w, r, nil, http.StatusInternalServerError, "err.internal", fmt.Errorf("creating session: %w", err))
		return
	}
	h.site.SetCookie(w, r, citizenCookie(), token)
	h.site.EndLogin(w, r)
	h.log.InfoContext(ctx, "mailbox: simulated login", "level", p.Level)
	http.Redirect(w, r, p.Next, http.StatusSeeOther)
}

// validName accepts 1 to 200 printable characters.
func validName(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > 200 || !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if !unicode.IsPrint(c) {
			return false
		}
	}
	return true
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	s, ok := h.requireSession(w, r)
	if !ok || !h.checkPost(w, r, s) {
		return
	}
	if err := h.cfg.DB.Ent.CitizenSession.DeleteOne(s).Exec(r.Context()); err != nil {
		h.fail(w, r, s, http.StatusInternalServerError, "err.internal", fmt.Errorf("ending session: %w", err))
		return
	}
	h.site.ClearCookie(w, r, citizenCookie())
	http.Redirect(w, r, "/mailbox/login", http.StatusSeeOther)
}
