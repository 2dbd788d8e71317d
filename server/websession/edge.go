package websession

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

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
