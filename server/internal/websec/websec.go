// Package websec holds the checks that the server-rendered pages (the
// citizen's mailbox and the manual submission portal) share: where a login
// may send the browser back to, when cookies must be Secure, whether a
// request came through a proxy, and how a secret may be named in a log.
package websec

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
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

// ParsePublicURL checks the address browsers reach the service at
// (serve --public-url): an http or https URL with a host and nothing
// after it (a trailing slash aside). The pages are served at fixed paths,
// so a path would be a promise the service cannot keep.
func ParsePublicURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return nil, fmt.Errorf("public URL (--public-url) %q: %w", s, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("public URL (--public-url) %q: must start with https:// (or http://)", s)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("public URL (--public-url) %q: has no host", s)
	case u.User != nil:
		return nil, fmt.Errorf("public URL (--public-url) %q: must not carry a user name or password", s)
	case u.Path != "" && u.Path != "/", u.RawQuery != "" || u.ForceQuery, u.Fragment != "" || strings.Contains(s, "#"):
		return nil, fmt.Errorf("public URL (--public-url) %q: must be only scheme and host (and port), without a path, query or fragment", s)
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

// SecureCookies reports whether cookies set in answer to r must be Secure:
// when Go terminates TLS itself, or when browsers reach the service at an
// https public URL (TLS terminated by a proxy in front of it).
func SecureCookies(r *http.Request, public *url.URL) bool {
	return r.TLS != nil || public != nil && public.Scheme == "https"
}

// HSTS sets Strict-Transport-Security when the service is reached over
// https, so that a browser never again tries it over plain HTTP.
func HSTS(h http.Header, r *http.Request, public *url.URL) {
	if SecureCookies(r, public) {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}

// forwardingHeaders are set by reverse proxies and load balancers. Any
// header starting with X-Forwarded- counts as well.
var forwardingHeaders = []string{
	"Forwarded", "Via", "X-Real-Ip", "True-Client-Ip", "X-Client-Ip",
	"X-Cluster-Client-Ip", "Cf-Connecting-Ip", "Fastly-Client-Ip", "X-Original-Forwarded-For",
}

// Forwarded returns the name of a forwarding header that h carries, or ""
// when there is none: a request with one came through a proxy, so the
// service is reachable from wherever that proxy is.
func Forwarded(h http.Header) string {
	for _, name := range forwardingHeaders {
		if _, ok := h[name]; ok {
			return name
		}
	}
	for name := range h {
		if strings.HasPrefix(name, "X-Forwarded-") {
			return name
		}
	}
	return ""
}

// LogID names a secret in a log line without giving it away: the first 8
// hex digits of its SHA-256, enough to tell two apart, useless to replay.
func LogID(secret string) string {
	if secret == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:4])
}

// RedactPath replaces the path segment after each of markers (such as
// "/ceremony/") by its LogID, so a path that carries a token can be logged.
func RedactPath(p string, markers ...string) string {
	for _, m := range markers {
		i := strings.Index(p, m)
		if i < 0 {
			continue
		}
		start := i + len(m)
		end := strings.IndexByte(p[start:], '/')
		if end < 0 {
			end = len(p) - start
		}
		p = p[:start] + "~" + LogID(p[start:start+end]) + p[start+end:]
	}
	return p
}
