package portal_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/auth"
	"github.com/svarsign/svarsign/server/portal"
)

// TestConcurrentGuessesStayWithinLimit: 60 wrong passwords sent at once
// get no more answers than the limit allows (5 per account); the rest are
// refused with 429 before any password is hashed. Then even the right
// password is refused, until the window has passed.
func TestConcurrentGuessesStayWithinLimit(t *testing.T) {
	t.Parallel()
	clk := st.NewClock(time.Now())
	srv := st.Start(t, func(c *app.Config) { c.Clock = clk.Now })
	org := st.OrgNumber(0)
	srv.Org(t, org, "Eksempel kommune")
	srv.User(t, org, "a@eksempel.no", password)
	b := newCaseWorker(t, srv)
	_, page := b.get(portal.Prefix + "/login")
	csrf := match(t, formCSRF, page)

	const guesses, limit = 60, 5
	codes := make(chan int, guesses)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range guesses {
		done.Add(1)
		go func() {
			defer done.Done()
			form := url.Values{"csrf": {csrf}, "org": {org}, "email": {"a@eksempel.no"}, "password": {"gjetning " + string(rune('A'+i))}}
			req, _ := http.NewRequest(http.MethodPost, srv.URL+portal.Prefix+"/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", srv.URL)
			start.Wait()
			resp, err := b.c.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	start.Done()
	done.Wait()
	close(codes)
	counts := map[int]int{}
	for c := range codes {
		counts[c]++
	}
	if counts[http.StatusUnauthorized] > limit || counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests] != guesses {
		t.Fatalf("%d concurrent wrong passwords: %v; want at most %d × 401 and the rest 429", guesses, counts, limit)
	}
	t.Logf("%d concurrent wrong passwords: %v", guesses, counts)

	resp := b.login(org, "a@eksempel.no", password)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("the right password while locked: %d (Retry-After %q), want 429", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	clk.Advance(15*time.Minute + time.Second)
	if resp := b.login(org, "a@eksempel.no", password); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the right password after the window: %d, want 303", resp.StatusCode)
	}
}

// TestLoginNextStaysInPortal: the page to return to after login is one of
// the portal's, however it is dressed up.
func TestLoginNextStaysInPortal(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	org := st.OrgNumber(0)
	srv.Org(t, org, "Eksempel kommune")
	srv.User(t, org, "a@eksempel.no", password)
	for _, next := range []string{
		portal.Prefix + "/../..//x",
		portal.Prefix + "/../mailbox/",
		portal.Prefix + "/%2e%2e/x",
		portal.Prefix + "/..%2fx",
		"//evil.example" + portal.Prefix,
		"/\\evil.example" + portal.Prefix,
	} {
		b := newCaseWorker(t, srv)
		_, page := b.get(portal.Prefix + "/login?next=" + url.QueryEscape(next))
		resp, _ := b.post(portal.Prefix+"/login", url.Values{
			"csrf": {match(t, formCSRF, page)}, "org": {org}, "email": {"a@eksempel.no"}, "password": {password}, "next": {next},
		})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != portal.Prefix {
			t.Errorf("login with next=%q: %d to %q, want 303 to %s", next, resp.StatusCode, resp.Header.Get("Location"), portal.Prefix)
		}
	}
}

// TestPortalPublicURL: behind an https public URL the portal's cookies
// are Secure and HSTS is sent; a form posted from the public origin passes
// the origin check even when the proxy rewrote Host.
func TestPortalPublicURL(t *testing.T) {
	t.Parallel()
	const public = "https://svarsign.example"
	srv := st.Start(t, func(c *app.Config) { c.PublicURL = public })
	org := st.OrgNumber(0)
	srv.Org(t, org, "Eksempel kommune")
	srv.User(t, org, "a@eksempel.no", password)
	b := newCaseWorker(t, srv)
	b.c.Jar = nil // it would not send Secure cookies over http

	resp, page := b.get(portal.Prefix + "/login")
	if hsts := resp.Header.Get("Strict-Transport-Security"); !strings.Contains(hsts, "max-age=") {
		t.Errorf("no HSTS behind an https public URL: %q", hsts)
	}
	var loginCSRF *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "svarsign_portal_login" {
			loginCSRF = c
		}
	}
	if loginCSRF == nil || !loginCSRF.Secure || !loginCSRF.HttpOnly || loginCSRF.SameSite != http.SameSiteStrictMode {
		t.Fatalf("login CSRF cookie %+v: want Secure, HttpOnly, SameSite=Strict", loginCSRF)
	}
	form := url.Values{"csrf": {match(t, formCSRF, page)}, "org": {org}, "email": {"a@eksempel.no"}, "password": {password}}
	post := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+portal.Prefix+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// Host stays the listener's, as behind a proxy that rewrites it.
		req.Header.Set("Origin", origin)
		req.AddCookie(&http.Cookie{Name: loginCSRF.Name, Value: loginCSRF.Value})
		resp, _ := b.do(req)
		return resp
	}
	if resp := post("https://evil.example"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("login posted from another origin: %d, want 403", resp.StatusCode)
	}
	resp = post(public)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login from the public origin: %d", resp.StatusCode)
	}
	for _, c := range resp.Cookies() {
		if !c.Secure {
			t.Errorf("cookie %s is not Secure behind an https public URL", c.Name)
		}
		if c.Name == auth.SessionCookie && (!c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/") {
			t.Errorf("session cookie %+v", c)
		}
	}
}

// TestPortalFormLimit: a login form far larger than the page makes is
// refused as too large, and no password is checked.
func TestPortalFormLimit(t *testing.T) {
	t.Parallel()
	srv := st.Start(t)
	org := st.OrgNumber(0)
	srv.Org(t, org, "Eksempel kommune")
	srv.User(t, org, "a@eksempel.no", password)
	b := newCaseWorker(t, srv)
	_, page := b.get(portal.Prefix + "/login")
	form := url.Values{"csrf": {match(t, formCSRF, page)}, "org": {org}, "email": {"a@eksempel.no"}, "password": {strings.Repeat("x", 1<<20)}}
	if resp, _ := b.post(portal.Prefix+"/login", form); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a 1 MiB login form: %d, want 413", resp.StatusCode)
	}
	b.mustLogin(org, "a@eksempel.no")
}

// TestNoSecretInPortalLog: failed and successful logins are logged
// without the password, the session or the CSRF tokens.
func TestNoSecretInPortalLog(t *testing.T) {
	t.Parallel()
	var logs st.LogBuffer
	srv := st.Start(t, func(c *app.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	org := st.OrgNumber(0)
	srv.Org(t, org, "Eksempel kommune")
	srv.User(t, org, "a@eksempel.no", password)
	b := newCaseWorker(t, srv)
	const wrong = "et-feil-passord-som-ikke-skal-logges"
	b.login(org, "a@eksempel.no", wrong)
	b.mustLogin(org, "a@eksempel.no")
	b.post(portal.Prefix+"/logout", url.Values{"csrf": {"forged-" + b.csrf}})
	out := logs.String()
	if !strings.Contains(out, "portal: failed login") || !strings.Contains(out, "portal: login") {
		t.Fatalf("the logins were not logged:\n%s", out)
	}
	secrets := []string{wrong, password, b.csrf}
	for _, c := range b.c.Jar.Cookies(mustURL(t, srv.URL)) {
		secrets = append(secrets, c.Value)
	}
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("the log holds the secret %q:\n%s", s, out)
		}
	}
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
