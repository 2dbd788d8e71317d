package websession

import (
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

// TestSiteNext: a login returns only to a page of its own front end,
// never to its own login page, and to Home for anything hostile.
func TestSiteNext(t *testing.T) {
	t.Parallel()
	mailbox := testSite(t, nil)
	portal, err := New(Config{
		CSP: testCSP, Home: "/manuell-innsending", Pages: []string{"/manuell-innsending"},
		LoginPath: "/manuell-innsending/login", LoginCookie: "login",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		site       *Site
		next, want string
	}{
		{mailbox, "/mailbox/shipments/1?x=1", "/mailbox/shipments/1?x=1"},
		{mailbox, "/provider/local/ceremony/abc", "/provider/local/ceremony/abc"},
		{portal, "/manuell-innsending/status", "/manuell-innsending/status"},
		{portal, "/manuell-innsending?x=1", "/manuell-innsending?x=1"},

		// Another site, however it is written.
		{mailbox, "//evil.example/mailbox/", "/mailbox/"},
		{mailbox, "///evil.example/mailbox/", "/mailbox/"},
		{mailbox, "/\\evil.example/mailbox/", "/mailbox/"},
		{mailbox, "\\\\evil.example/mailbox/", "/mailbox/"},
		{mailbox, "https://evil.example/mailbox/", "/mailbox/"},
		{mailbox, "HTTPS://evil.example/mailbox/", "/mailbox/"},
		{mailbox, "javascript:alert(1)//mailbox/", "/mailbox/"},
		{mailbox, "%2f%2fevil.example/mailbox/", "/mailbox/"},
		{mailbox, "/%2fevil.example/mailbox/", "/mailbox/"},
		{mailbox, "/%5cevil.example/mailbox/", "/mailbox/"},
		{portal, "//evil.example/manuell-innsending", "/manuell-innsending"},
		{portal, "/\\evil.example/manuell-innsending", "/manuell-innsending"},
		{portal, "https://evil.example/manuell-innsending", "/manuell-innsending"},
		// Out of the front end by dot segments, plain or encoded.
		{mailbox, "/mailbox/../manuell-innsending", "/mailbox/"},
		{mailbox, "/mailbox/%2e%2e/%2e%2e/x", "/mailbox/"},
		{mailbox, "/mailbox/%252e%252e/x", "/mailbox/"},
		{mailbox, "/mailbox/..%2fx", "/mailbox/"},
		{portal, "/manuell-innsending/../mailbox/", "/manuell-innsending"},
		{portal, "/manuell-innsending/%2e%2e/x", "/manuell-innsending"},
		// The other front end, or a look-alike prefix.
		{mailbox, "/manuell-innsending/status", "/mailbox/"},
		{portal, "/mailbox/", "/manuell-innsending"},
		{portal, "/manuell-innsending-annet", "/manuell-innsending"},
		// Header injection.
		{mailbox, "/mailbox/\r\nSet-Cookie: x=y", "/mailbox/"},
		// The login page itself: no circles.
		{mailbox, "/mailbox/login", "/mailbox/"},
		{mailbox, "/mailbox/login?level=4", "/mailbox/"},
		{portal, "/manuell-innsending/login", "/manuell-innsending"},
		{portal, "/manuell-innsending/login?next=x", "/manuell-innsending"},
		{portal, "/manuell-innsending/login/x", "/manuell-innsending"},
		{mailbox, "", "/mailbox/"},
	} {
		if got := tc.site.Next(tc.next); got != tc.want {
			t.Errorf("Next(%q) = %q, want %q", tc.next, got, tc.want)
		}
	}
}
