package websession

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// FormField is the hidden form field that carries the CSRF token on every
// form post of both front ends.
const FormField = "csrf"

// LoginLifetime is how long a login form stays usable after it was last
// shown: a few fields, typed in minutes.
const LoginLifetime = 30 * time.Minute

// Why a form post was refused. Both are reported with 403; they are told
// apart for the log.
var (
	ErrCrossOrigin = errors.New("form posted from another origin")
	ErrToken       = errors.New("missing or wrong CSRF token")
)

// SameOrigin refuses a request that a browser says comes from another
// site (Sec-Fetch-Site, Origin; see http.CrossOriginProtection) or, when it
// sends no Origin, whose Referer names another host than this one or the
// public URL's. Requests without any of these headers are not browsers
// acting for another site; the CSRF token still has to match. It is meant
// for POSTs: safe methods pass the first check by design.
func (s *Site) SameOrigin(r *http.Request) error {
	if err := s.origins.Check(r); err != nil {
		return fmt.Errorf("%w: %w", ErrCrossOrigin, err)
	}
	if r.Header.Get("Origin") != "" {
		return nil // checked above
	}
	ref := r.Header.Get("Referer")
	if ref == "" {
		return nil
	}
	u, err := url.Parse(ref)
	if err != nil {
		return fmt.Errorf("%w: unreadable Referer", ErrCrossOrigin)
	}
	pub := s.cfg.PublicURL
	if u.Host != r.Host && (pub == nil || u.Scheme != pub.Scheme || u.Host != pub.Host) {
		return fmt.Errorf("%w: Referer does not match Host", ErrCrossOrigin)
	}
	return nil
}

// CheckPost checks a form post within a session: same origin, and the
// session's token want in FormField. The error wraps ErrCrossOrigin or
// ErrToken and never contains a token.
func (s *Site) CheckPost(r *http.Request, want string) error {
	if err := s.SameOrigin(r); err != nil {
		return err
	}
	if !Equal(r.PostFormValue(FormField), want) {
		return ErrToken
	}
	return nil
}

// LoginToken returns the login form's double-submit token and sets it as
// a cookie for LoginLifetime. Before login there is no session to keep a
// CSRF token in, so the browser keeps it: a token it already holds is
// kept, so that several open login tabs keep working.
func (s *Site) LoginToken(w http.ResponseWriter, r *http.Request) string {
	token := ""
	if c, err := r.Cookie(s.login.Name); err == nil && wellFormed(c.Value) {
		token = c.Value
	} else {
		token, _ = NewToken()
	}
	s.SetCookie(w, r, s.login, token)
	return token
}

// CheckLogin checks a posted login form: same origin, a well-formed login
// cookie, and the same token in FormField. It returns the token, for the
// form to be shown again with an error. The error wraps ErrCrossOrigin or
// ErrToken and never contains a token.
func (s *Site) CheckLogin(r *http.Request) (string, error) {
	if err := s.SameOrigin(r); err != nil {
		return "", err
	}
	c, err := r.Cookie(s.login.Name)
	if err != nil || !wellFormed(c.Value) {
		return "", fmt.Errorf("%w: no login cookie", ErrToken)
	}
	if !Equal(r.PostFormValue(FormField), c.Value) {
		return "", ErrToken
	}
	return c.Value, nil
}

// EndLogin clears the login cookie once the login has succeeded: the next
// login gets a new token.
func (s *Site) EndLogin(w http.ResponseWriter, r *http.Request) {
	s.ClearCookie(w, r, s.login)
}
