package websession

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// post is a form post to the mailbox's login from a browser on this
// origin, changed by mod.
func post(form url.Values, mod ...func(*http.Request)) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8080/mailbox/login", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "http://127.0.0.1:8080")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	for _, m := range mod {
		m(r)
	}
	return r
}

func TestCheckLogin(t *testing.T) {
	t.Parallel()
	s := testSite(t, mustPublic(t, "https://svarsign.example"))
	tok, _ := NewToken()
	other, _ := NewToken()
	cookie := func(v string) func(*http.Request) {
		return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "login_csrf", Value: v}) }
	}
	header := func(k, v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set(k, v) } }
	noOrigin := func(r *http.Request) { r.Header.Del("Origin"); r.Header.Del("Sec-Fetch-Site") }
	form := url.Values{FormField: {tok}}
	for _, tc := range []struct {
		name string
		r    *http.Request
		want error
	}{
		{"same origin, matching", post(form, cookie(tok)), nil},
		{"no browser headers, matching", post(form, cookie(tok), noOrigin), nil},
		{"same-host Referer", post(form, cookie(tok), noOrigin, header("Referer", "http://127.0.0.1:8080/mailbox/login")), nil},
		{"public origin, Host rewritten", post(form, cookie(tok), header("Origin", "https://svarsign.example"), header("Sec-Fetch-Site", "same-origin")), nil},
		{"public Referer, Host rewritten", post(form, cookie(tok), noOrigin, header("Referer", "https://svarsign.example/mailbox/login")), nil},

		{"no cookie", post(form), ErrToken},
		{"no form token", post(url.Values{}, cookie(tok)), ErrToken},
		{"other token", post(url.Values{FormField: {other}}, cookie(tok)), ErrToken},
		{"planted short cookie", post(url.Values{FormField: {"x"}}, cookie("x")), ErrToken},
		{"planted empty cookie", post(url.Values{FormField: {""}}, cookie("")), ErrToken},
		{"foreign Origin", post(form, cookie(tok), header("Origin", "https://evil.example"), header("Sec-Fetch-Site", "")), ErrCrossOrigin},
		{"cross-site fetch", post(form, cookie(tok), header("Sec-Fetch-Site", "cross-site")), ErrCrossOrigin},
		{"foreign Referer", post(form, cookie(tok), noOrigin, header("Referer", "https://evil.example/page")), ErrCrossOrigin},
		{"public host, other scheme", post(form, cookie(tok), noOrigin, header("Referer", "http://svarsign.example/")), ErrCrossOrigin},
	} {
		got, err := s.CheckLogin(tc.r)
		switch {
		case tc.want == nil && (err != nil || got != tok):
			t.Errorf("%s: %q, %v; want accepted", tc.name, got, err)
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		case err != nil && (got != "" || strings.Contains(err.Error(), tok)):
			t.Errorf("%s: refused but gave %q, or named the token: %v", tc.name, got, err)
		}
	}
}

func TestCheckPost(t *testing.T) {
	t.Parallel()
	s := testSite(t, nil)
	tok, _ := NewToken()
	if err := s.CheckPost(post(url.Values{FormField: {tok}}), tok); err != nil {
		t.Errorf("the session's token: %v", err)
	}
	if err := s.CheckPost(post(url.Values{FormField: {tok}}), ""); !errors.Is(err, ErrToken) {
		t.Errorf("a session without a token: %v, want ErrToken", err)
	}
	if err := s.CheckPost(post(url.Values{FormField: {tok + "x"}}), tok); !errors.Is(err, ErrToken) {
		t.Errorf("a wrong token: %v, want ErrToken", err)
	}
	r := post(url.Values{FormField: {tok}}, func(r *http.Request) { r.Header.Set("Origin", "https://evil.example"); r.Header.Del("Sec-Fetch-Site") })
	if err := s.CheckPost(r, tok); !errors.Is(err, ErrCrossOrigin) {
		t.Errorf("another origin: %v, want ErrCrossOrigin", err)
	}
}

// TestLoginToken: the form gets the token the browser holds, or a new one
// in a Strict, HttpOnly cookie for the login page only; a cookie of
// another shape is replaced.
func TestLoginToken(t *testing.T) {
	t.Parallel()
	s := testSite(t, nil)
	get := func(cookie string) (string, *http.Cookie) {
		r := httptest.NewRequest(http.MethodGet, "/mailbox/login", nil)
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: "login_csrf", Value: cookie})
		}
		rec := httptest.NewRecorder()
		tok := s.LoginToken(rec, r)
		cs := rec.Result().Cookies()
		if len(cs) != 1 {
			t.Fatalf("%d cookies set", len(cs))
		}
		return tok, cs[0]
	}
	first, c := get("")
	if !wellFormed(first) || c.Value != first || c.Path != "/mailbox/login" || !c.HttpOnly ||
		c.SameSite != http.SameSiteStrictMode || c.MaxAge != int(LoginLifetime.Seconds()) {
		t.Fatalf("new login token %q, cookie %+v", first, c)
	}
	if again, _ := get(first); again != first {
		t.Error("a second tab got another token")
	}
	if planted, c := get("planted"); planted == "planted" || c.Value != planted || !wellFormed(planted) {
		t.Errorf("a malformed cookie was kept: %q", planted)
	}
	rec := httptest.NewRecorder()
	s.EndLogin(rec, httptest.NewRequest(http.MethodPost, "/mailbox/login", nil))
	if cs := rec.Result().Cookies(); len(cs) != 1 || cs[0].Name != "login_csrf" || cs[0].MaxAge != -1 || cs[0].Path != "/mailbox/login" {
		t.Errorf("EndLogin set %+v", cs)
	}
}
