package websession

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

const testCSP = "default-src 'none'; frame-ancestors 'none'"

// testSite is a Site configured as the mailbox is.
func testSite(t *testing.T, public *url.URL) *Site {
	t.Helper()
	s, err := New(Config{
		PublicURL: public, CSP: testCSP,
		Home: "/mailbox/", Pages: []string{"/mailbox", "/provider/local/ceremony"},
		LoginPath: "/mailbox/login", LoginCookie: "login_csrf",
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustPublic(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := ParsePublicURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	t.Parallel()
	good := Config{CSP: testCSP, Home: "/a/", Pages: []string{"/a"}, LoginPath: "/a/login", LoginCookie: "c"}
	if _, err := New(good); err != nil {
		t.Fatalf("a complete config: %v", err)
	}
	for name, mod := range map[string]func(*Config){
		"no frame-ancestors": func(c *Config) { c.CSP = "default-src 'self'" },
		"no login cookie":    func(c *Config) { c.LoginCookie = "" },
		"relative login":     func(c *Config) { c.LoginPath = "login" },
		"home outside pages": func(c *Config) { c.Home = "/b/" },
		"home elsewhere":     func(c *Config) { c.Home = "https://evil.example/a/" },
	} {
		c := good
		mod(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"Content-Security-Policy": testCSP,
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "same-origin",
	}
	for _, tc := range []struct {
		name   string
		public *url.URL
		tls    bool
		hsts   bool
	}{
		{"plain HTTP", nil, false, false},
		{"http public URL", mustPublic(t, "http://svarsign.example"), false, false},
		{"https public URL", mustPublic(t, "https://svarsign.example"), false, true},
		{"TLS", nil, true, true},
	} {
		r := httptest.NewRequest(http.MethodGet, "/mailbox/", nil)
		if tc.tls {
			r.TLS = &tls.ConnectionState{}
		}
		rec := httptest.NewRecorder()
		testSite(t, tc.public).SecurityHeaders(rec, r)
		for k, v := range want {
			if got := rec.Header().Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", tc.name, k, got, v)
			}
		}
		if hsts := rec.Header().Get("Strict-Transport-Security"); (hsts != "") != tc.hsts {
			t.Errorf("%s: Strict-Transport-Security = %q", tc.name, hsts)
		}
	}
}

func TestCookies(t *testing.T) {
	t.Parallel()
	c := Cookie{Name: "s", Path: "/", MaxAge: time.Hour}
	for _, tc := range []struct {
		name   string
		public *url.URL
		secure bool
	}{
		{"plain HTTP", nil, false},
		{"https public URL", mustPublic(t, "https://svarsign.example"), true},
	} {
		s := testSite(t, tc.public)
		rec := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		s.SetCookie(rec, r, c, "v")
		s.ClearCookie(rec, r, Cookie{Name: "old", Path: "/x", SameSite: http.SameSiteLaxMode})
		got := map[string]*http.Cookie{}
		for _, k := range rec.Result().Cookies() {
			got[k.Name] = k
		}
		set, gone := got["s"], got["old"]
		if set == nil || set.Value != "v" || set.Path != "/" || set.MaxAge != 3600 || !set.HttpOnly ||
			set.SameSite != http.SameSiteStrictMode || set.Secure != tc.secure {
			t.Errorf("%s: set %+v: want HttpOnly, SameSite=Strict by default, Secure=%v", tc.name, set, tc.secure)
		}
		if gone == nil || gone.MaxAge != -1 || gone.Value != "" || gone.Path != "/x" || !gone.HttpOnly ||
			gone.SameSite != http.SameSiteLaxMode || gone.Secure != tc.secure {
			t.Errorf("%s: cleared %+v", tc.name, gone)
		}
	}
}
