package websession

import (
	"net/url"
	"path"
	"strings"
)

// maxNext bounds a return path: a login form's hidden field, never long.
const maxNext = 2048

// LocalNext returns next when it is a path on this service at or under
// one of prefixes (each a path without a trailing slash, e.g. "/mailbox"),
// and false otherwise; the caller then uses its home page. next must be a
// clean absolute path: no scheme or host, no "//", no "." or ".."
// segments, no backslashes or control characters, and no percent-encoded
// dot, slash, backslash or percent sign, which a later decoding could turn
// into any of those.
func LocalNext(next string, prefixes ...string) (string, bool) {
	if next == "" || len(next) > maxNext || next[0] != '/' || strings.Contains(next, "//") {
		return "", false
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f || c == '\\' || c == '#' {
			return "", false
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "", false
	}
	raw := strings.ToLower(u.EscapedPath())
	for _, enc := range []string{"%2e", "%2f", "%5c", "%25", "%00"} {
		if strings.Contains(raw, enc) {
			return "", false
		}
	}
	p := u.Path
	if strings.ContainsAny(p, "\\\x00") {
		return "", false
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." {
			return "", false
		}
	}
	// Belt and braces: what survived must already be clean (a trailing
	// slash aside), so what the browser resolves is what was checked.
	clean := path.Clean(p)
	if clean != strings.TrimSuffix(p, "/") && clean != p {
		return "", false
	}
	for _, prefix := range prefixes {
		if clean == prefix || strings.HasPrefix(clean, prefix+"/") {
			return u.RequestURI(), true
		}
	}
	return "", false
}
