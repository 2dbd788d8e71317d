package websession

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// tokenBytes is a token's entropy: 256 bits, nothing to guess.
const tokenBytes = 32

// NewToken returns 256 random bits, URL-safe, and their SHA-256, which is
// all that may be stored: a copy of the database then gives away no
// session, ceremony or login.
func NewToken() (token string, hash []byte) {
	b := make([]byte, tokenBytes)
	rand.Read(b) // never fails; see crypto/rand.Read
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, Hash(token)
}

// Hash is the stored form of a token. The token is random, so a plain
// hash is enough; no salt or stretching would add anything.
func Hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Equal compares a presented token with the expected one in constant
// time; an empty expected token never matches, so a missing value on the
// server side cannot be met by a missing one from the browser.
func Equal(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// wellFormed reports whether s could have come from NewToken: a cookie of
// another shape was not set by this service.
func wellFormed(s string) bool {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil && len(b) == tokenBytes
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
