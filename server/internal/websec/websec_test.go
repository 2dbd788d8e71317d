package websec

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"testing"
)

func TestLocalNext(t *testing.T) {
	t.Parallel()
	prefixes := []string{"/mailbox", "/provider/local/ceremony"}
	for _, tc := range []struct {
		next, want string
		ok         bool
	}{
		{"/mailbox/", "/mailbox/", true},
		{"/mailbox", "/mailbox", true},
		{"/mailbox/shipments/1?x=1&y=%2F", "/mailbox/shipments/1?x=1&y=%2F", true},
		{"/provider/local/ceremony/abc_-9", "/provider/local/ceremony/abc_-9", true},
		{"/mailbox/sh%C3%B8", "/mailbox/sh%C3%B8", true},
		{"/mailbox/shø", "/mailbox/sh%C3%B8", true},

		{"", "", false},
		{"mailbox/", "", false},
		{"/mailbox/../..//x", "", false},
		{"/mailbox/../x", "", false},
		{"/mailbox/./x", "", false},
		{"/mailbox/..", "", false},
		{"/mailbox//x", "", false},
		{"//evil.example/mailbox/", "", false},
		{"///evil.example/mailbox/", "", false},
		{"/\\evil.example/mailbox/", "", false},
		{"/mailbox/..\\..\\x", "", false},
		{"/mailbox/%2e%2e/%2e%2e/x", "", false},
		{"/mailbox/%2E%2E/x", "", false},
		{"/mailbox/..%2fx", "", false},
		{"/mailbox/..%2Fx", "", false},
		{"/mailbox/%5c%5cevil", "", false},
		{"/mailbox/%252e%252e/x", "", false},
		{"/mailbox/%00", "", false},
		{"/mailbox/\x00", "", false},
		{"/mailbox/\r\nSet-Cookie: x=y", "", false},
		{"/mailbox/\tx", "", false},
		{"/mailbox/#frag", "", false},
		{"https://evil.example/mailbox/", "", false},
		{"javascript:alert(1)//mailbox/", "", false},
		{"http:/mailbox/", "", false},
		{"/mailboxes", "", false},
		{"/mailbox-x/", "", false},
		{"/provider/local/ceremony/../../../x", "", false},
		{"/provider/local/x", "", false},
		{"/", "", false},
		{"/" + strings.Repeat("mailbox/", 300), "", false},
		{"/mailbox/?next=//evil.example", "", false},
	} {
		got, ok := LocalNext(tc.next, prefixes...)
		if ok != tc.ok || got != tc.want {
			t.Errorf("LocalNext(%q) = %q, %v; want %q, %v", tc.next, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzLocalNext: whatever LocalNext accepts, a browser resolving it as a
// Location on this origin stays on this origin and under a prefix.
func FuzzLocalNext(f *testing.F) {
	for _, s := range []string{"/mailbox/", "/mailbox/../..//x", "/mailbox/%2e%2e/x", "//x/mailbox/", "/mailbox/a?b=c"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://svarsign.example/mailbox/login")
	f.Fuzz(func(t *testing.T, next string) {
		got, ok := LocalNext(next, "/mailbox")
		if !ok {
			return
		}
		u, err := base.Parse(got)
		if err != nil {
			t.Fatalf("LocalNext(%q) = %q, which does not parse: %v", next, got, err)
		}
		if u.Host != base.Host || u.Scheme != base.Scheme || u.User != nil {
			t.Fatalf("LocalNext(%q) = %q leads to %s", next, got, u)
		}
		p := u.Path
		if p != "/mailbox" && !strings.HasPrefix(path.Clean(p), "/mailbox/") && path.Clean(p) != "/mailbox" {
			t.Fatalf("LocalNext(%q) = %q leaves /mailbox: %s", next, got, p)
		}
		// Decoding once more must not reveal a dot segment or a slash.
		if again, err := url.PathUnescape(u.EscapedPath()); err == nil {
			for _, seg := range strings.Split(again, "/") {
				if seg == "." || seg == ".." || strings.ContainsAny(seg, "\\") {
					t.Fatalf("LocalNext(%q) = %q hides %q", next, got, seg)
				}
			}
			if strings.Contains(again, "//") {
				t.Fatalf("LocalNext(%q) = %q hides //", next, got)
			}
		}
	})
}

func TestParsePublicURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://svarsign.example":        "https://svarsign.example",
		"https://svarsign.example/":       "https://svarsign.example",
		"http://127.0.0.1:8080":           "http://127.0.0.1:8080",
		"https://[2001:db8::1]:8443":      "https://[2001:db8::1]:8443",
		"ftp://svarsign.example":          "",
		"svarsign.example":                "",
		"//svarsign.example":              "",
		"https://":                        "",
		"https://:443":                    "",
		"https://svarsign.example/app":    "",
		"https://svarsign.example/?x=1":   "",
		"https://svarsign.example?":       "",
		"https://svarsign.example#top":    "",
		"https://u:p@svarsign.example":    "",
		"javascript:alert(1)":             "",
		"https://svarsign.example/%2e%2e": "",
	} {
		u, err := ParsePublicURL(in)
		switch {
		case want == "" && err == nil:
			t.Errorf("ParsePublicURL(%q) = %v, want an error", in, u)
		case want == "" && !strings.Contains(err.Error(), "--public-url"):
			t.Errorf("ParsePublicURL(%q): %v does not name the flag", in, err)
		case want != "" && err != nil:
			t.Errorf("ParsePublicURL(%q): %v", in, err)
		case want != "" && u.String() != want:
			t.Errorf("ParsePublicURL(%q) = %q, want %q", in, u, want)
		}
	}
}

func TestSecureCookies(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	https, _ := ParsePublicURL("https://svarsign.example")
	plain, _ := ParsePublicURL("http://svarsign.example")
	if SecureCookies(r, nil) || SecureCookies(r, plain) {
		t.Error("Secure on plain HTTP")
	}
	if !SecureCookies(r, https) {
		t.Error("not Secure behind an https public URL")
	}
	r.TLS = &tls.ConnectionState{}
	if !SecureCookies(r, nil) {
		t.Error("not Secure on TLS")
	}
}

func TestForwarded(t *testing.T) {
	t.Parallel()
	if got := Forwarded(http.Header{"User-Agent": {"x"}, "Origin": {"y"}}); got != "" {
		t.Errorf("a plain request: %q", got)
	}
	for _, name := range []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP", "Via", "X-Forwarded-Port", "True-Client-IP"} {
		h := http.Header{}
		h.Set(name, "")
		if got := Forwarded(h); got != http.CanonicalHeaderKey(name) {
			t.Errorf("Forwarded with %s = %q", name, got)
		}
	}
}

func TestRedactPath(t *testing.T) {
	t.Parallel()
	const token = "kQd4uXbO6m1pOa0wz8S0b2s2v5m3q6y8a1c3e5g7i9k"
	for in, want := range map[string]string{
		"/provider/local/ceremony/" + token + "/sign": "/provider/local/ceremony/~" + LogID(token) + "/sign",
		"/provider/local/ceremony/" + token:           "/provider/local/ceremony/~" + LogID(token),
		"/mailbox/shipments/1/sign":                   "/mailbox/shipments/1/sign",
	} {
		got := RedactPath(in, "/ceremony/")
		if got != want || strings.Contains(got, token) {
			t.Errorf("RedactPath(%q) = %q, want %q", in, got, want)
		}
	}
	if id := LogID(token); len(id) != 8 || id == LogID(token+"x") {
		t.Errorf("LogID = %q", id)
	}
}
