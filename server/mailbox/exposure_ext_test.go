package mailbox_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/mailbox"
)

// TestSimulatedLoginRefusedThroughProxy: with --simulated-login, a request
// that carries a forwarding header came through a proxy, so the port is
// published: the login is refused with a page that says why, and no
// session is made.
func TestSimulatedLoginRefusedThroughProxy(t *testing.T) {
	t.Parallel()
	f := start(t)
	b := newBrowser(t, f.srv)
	b.get("/mailbox/login").want(t, "login without a proxy", http.StatusOK)
	for _, header := range []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP", "Via"} {
		p := b.do(http.MethodGet, "/mailbox/login", nil, func(r *http.Request) { r.Header.Set(header, "203.0.113.7") }).
			want(t, "login form through a proxy ("+header+")", http.StatusForbidden)
		if !strings.Contains(p.body, "gjennom en proxy") || !strings.Contains(p.body, http.CanonicalHeaderKey(header)) {
			t.Errorf("%s: the page does not say why:\n%s", header, p.body)
		}
		form := b.get("/mailbox/login").want(t, "login form", http.StatusOK)
		v := url.Values{"csrf": {form.csrf(t)}, "nin": {st.Person(0)}, "name": {"Kari"}, "level": {"4"}}
		p = b.do(http.MethodPost, "/mailbox/login", v, func(r *http.Request) { r.Header.Set(header, "203.0.113.7") }).
			want(t, "login through a proxy ("+header+")", http.StatusForbidden)
		for _, c := range (&http.Response{Header: p.header}).Cookies() {
			if c.Name == mailbox.SessionCookie {
				t.Errorf("%s: a session cookie was set through a proxy", header)
			}
		}
	}
	b.get("/mailbox/").wantRedirect(t, "mailbox after refused logins", "/mailbox/login")
}

// TestLoginNextStaysInMailbox: the page to return to after login is one of
// the citizen's pages, however it is dressed up.
func TestLoginNextStaysInMailbox(t *testing.T) {
	t.Parallel()
	f := start(t)
	for _, next := range []string{
		"/mailbox/../..//x",
		"/mailbox/../../evil.example/",
		"/mailbox/%2e%2e/%2e%2e/x",
		"/mailbox/..%2f..%2fx",
		"/mailbox/%252e%252e/x",
		"/mailbox/..\\..\\x",
		"/mailbox/./../x",
		"//evil.example/mailbox/",
		"/\\evil.example/mailbox/",
		"https://evil.example/mailbox/",
		"/provider/local/ceremony/../../../x",
		"/mailboxes",
	} {
		b := newBrowser(t, f.srv)
		form := b.get("/mailbox/login?next="+url.QueryEscape(next)).want(t, "login form", http.StatusOK)
		if !strings.Contains(form.body, `name="next" value="/mailbox/"`) {
			t.Errorf("next=%q: the form does not fall back to the mailbox", next)
		}
		v := url.Values{"csrf": {form.csrf(t)}, "nin": {st.Person(0)}, "name": {"Kari"}, "level": {"3"}, "next": {next}}
		if to := b.post("/mailbox/login", v).wantRedirect(t, "login", "/"); to != "/mailbox/" {
			t.Errorf("login with next=%q went to %q, want /mailbox/", next, to)
		}
	}
	// A page of the mailbox is still where the login returns to.
	b := newBrowser(t, f.srv)
	form := b.get("/mailbox/login?next="+url.QueryEscape("/mailbox/shipments/x?y=1")).want(t, "login form", http.StatusOK)
	v := url.Values{"csrf": {form.csrf(t)}, "nin": {st.Person(0)}, "name": {"Kari"}, "level": {"3"}, "next": {"/mailbox/shipments/x?y=1"}}
	if to := b.post("/mailbox/login", v).wantRedirect(t, "login", "/"); to != "/mailbox/shipments/x?y=1" {
		t.Errorf("login with a mailbox page as next went to %q", to)
	}
}

// TestNoTokenInLog: refused posts to a ceremony are logged, but the log
// names the ceremony token only by a short hash, and no session token or
// CSRF token appears in it either.
func TestNoTokenInLog(t *testing.T) {
	t.Parallel()
	var logs st.LogBuffer
	f := start(t, func(c *app.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	id := f.send(t, 0, false)
	b := newBrowser(t, f.srv)
	b.login("/mailbox/login", st.Person(0), "Kari Nordmann", 3)
	ceremony := b.startCeremony(id)
	token := ceremony[strings.LastIndexByte(ceremony, '/')+1:]
	csrf := b.ceremonyForm(ceremony)

	b.post(ceremony+"/sign", url.Values{"csrf": {"forged"}}).want(t, "sign with a wrong CSRF token", http.StatusForbidden)
	b.do(http.MethodPost, ceremony+"/reject", url.Values{"csrf": {csrf}}, func(r *http.Request) {
		r.Header.Set("Origin", "https://evil.example")
	}).want(t, "reject from another origin", http.StatusForbidden)

	out := logs.String()
	if !strings.Contains(out, "refused POST with a missing or wrong CSRF token") || !strings.Contains(out, "refused cross-origin POST") {
		t.Fatalf("the refusals were not logged:\n%s", out)
	}
	secrets := map[string]string{"ceremony token": token, "CSRF token": csrf}
	for _, c := range b.c.Jar.Cookies(mustParse(t, f.srv.URL)) {
		secrets["cookie "+c.Name] = c.Value
	}
	for what, secret := range secrets {
		if len(secret) < 16 {
			t.Fatalf("%s %q is not a token", what, secret)
		}
		if strings.Contains(out, secret) {
			t.Errorf("the log holds the %s:\n%s", what, out)
		}
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// rawCookies returns the Set-Cookie cookies of a page by name.
func rawCookies(p page) map[string]*http.Cookie {
	out := map[string]*http.Cookie{}
	for _, c := range (&http.Response{Header: p.header}).Cookies() {
		out[c.Name] = c
	}
	return out
}

// TestPublicURLMakesCookiesSecure: behind a TLS-terminating proxy
// (--public-url https://…) every cookie is Secure, HSTS is sent, and form
// posts from the public origin pass the origin check; without it, on plain
// HTTP, cookies are not Secure.
func TestPublicURLMakesCookiesSecure(t *testing.T) {
	t.Parallel()
	const public = "https://svarsign.example"
	f := start(t, func(c *app.Config) { c.PublicURL = public + "/" })
	// The jar would not send Secure cookies over http, so they go by hand.
	b := newBrowser(t, f.srv)
	b.c.Jar = nil
	form := b.get("/mailbox/login").want(t, "login form", http.StatusOK)
	if hsts := form.header.Get("Strict-Transport-Security"); !strings.Contains(hsts, "max-age=") {
		t.Errorf("no HSTS behind an https public URL: %q", hsts)
	}
	loginCSRF := rawCookies(form)["svarsign_login_csrf"]
	if loginCSRF == nil || !loginCSRF.Secure || !loginCSRF.HttpOnly || loginCSRF.SameSite != http.SameSiteStrictMode || loginCSRF.Path != "/mailbox/login" {
		t.Fatalf("login CSRF cookie %+v: want Secure, HttpOnly, SameSite=Strict, Path=/mailbox/login", loginCSRF)
	}
	v := url.Values{"csrf": {form.csrf(t)}, "nin": {st.Person(0)}, "name": {"Kari"}, "level": {"3"}}
	withCookie := func(r *http.Request) {
		r.AddCookie(&http.Cookie{Name: loginCSRF.Name, Value: loginCSRF.Value})
		r.Header.Set("Origin", public)
	}
	p := b.do(http.MethodPost, "/mailbox/login", v, withCookie)
	p.wantRedirect(t, "login from the public origin", "/mailbox/")
	session := rawCookies(p)[mailbox.SessionCookie]
	if session == nil || !session.Secure || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" {
		t.Fatalf("session cookie %+v: want Secure, HttpOnly, SameSite=Lax, Path=/", session)
	}
	// Another origin is still refused.
	b.do(http.MethodPost, "/mailbox/login", v, withCookie, func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") }).
		want(t, "login from another origin", http.StatusForbidden)

	plain := newBrowser(t, start(t).srv)
	form = plain.get("/mailbox/login").want(t, "login form", http.StatusOK)
	if c := rawCookies(form)["svarsign_login_csrf"]; c == nil || c.Secure {
		t.Errorf("login CSRF cookie on plain HTTP without a public URL: %+v, want not Secure", c)
	}
	if hsts := form.header.Get("Strict-Transport-Security"); hsts != "" {
		t.Errorf("HSTS on plain HTTP: %q", hsts)
	}
}

// TestLoginMakesNewSession: a login never adopts a session id the browser
// brought (fixation): it issues a new one and ends the old.
func TestLoginMakesNewSession(t *testing.T) {
	t.Parallel()
	f := start(t)
	b := newBrowser(t, f.srv)
	base := mustParse(t, f.srv.URL)
	b.c.Jar.SetCookies(base, []*http.Cookie{{Name: mailbox.SessionCookie, Value: "planted-by-an-attacker-0123456789abcdef", Path: "/"}})
	b.login("/mailbox/login", st.Person(0), "Kari", 3)
	first := sessionCookie(t, b)
	if first == "planted-by-an-attacker-0123456789abcdef" {
		t.Fatal("the login kept the planted session id")
	}
	b.login("/mailbox/login?level=4", st.Person(0), "Kari", 4)
	if second := sessionCookie(t, b); second == first {
		t.Fatal("logging in again kept the session id")
	}
	old := newBrowser(t, f.srv)
	old.c.Jar.SetCookies(base, []*http.Cookie{{Name: mailbox.SessionCookie, Value: first, Path: "/"}})
	old.get("/mailbox/").wantRedirect(t, "the old session after a new login", "/mailbox/login")
}

func sessionCookie(t *testing.T, b *browser) string {
	t.Helper()
	for _, c := range b.c.Jar.Cookies(mustParse(t, b.base)) {
		if c.Name == mailbox.SessionCookie {
			return c.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

// TestOversizedForm: a posted form larger than any the pages make is
// refused as too large, before anything else looks at it.
func TestOversizedForm(t *testing.T) {
	t.Parallel()
	f := start(t)
	b := newBrowser(t, f.srv)
	form := b.get("/mailbox/login").want(t, "login form", http.StatusOK)
	v := url.Values{"csrf": {form.csrf(t)}, "nin": {st.Person(0)}, "name": {"Kari"}, "level": {"3"}, "pad": {strings.Repeat("x", 100<<10)}}
	b.post("/mailbox/login", v).want(t, "a 100 KiB login form", http.StatusRequestEntityTooLarge)
	v.Del("pad")
	b.post("/mailbox/login", v).wantRedirect(t, "the same form, small", "/mailbox/")
}
