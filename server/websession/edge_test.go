package websession

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

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
