// Package auth identifies the organisation behind each call from its API key.
//
// An API key has a public id and a 256-bit random secret. Callers present it
// as "Authorization: Bearer svs_<id>.<secret>" or as HTTP Basic with the id as
// user name and the secret as password, on gRPC, Connect, gRPC-Web and the
// JSON facade alike. Only SHA-256 of the secret is stored: the secret is
// random and long, so a slow password hash would add nothing but latency.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
)

const tokenPrefix = "svs_"

// Key is a newly made API key. Token is shown to the operator once and never stored.
type Key struct {
	ID         string
	Secret     string
	SecretHash []byte
}

// Token is the bearer form of the key.
func (k Key) Token() string { return tokenPrefix + k.ID + "." + k.Secret }

// NewKey makes a fresh random key.
func NewKey() Key {
	id := make([]byte, 8)
	secret := make([]byte, 32)
	rand.Read(id)
	rand.Read(secret)
	s := base64.RawURLEncoding.EncodeToString(secret)
	return Key{ID: hex.EncodeToString(id), Secret: s, SecretHash: HashSecret(s)}
}

// HashSecret is the stored form of a secret.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// noSecretHash stands in for the stored hash when a key id is unknown, so
// that the comparison is made all the same; no secret hashes to it.
var noSecretHash = make([]byte, sha256.Size)

// secretMatches compares in constant time.
func secretMatches(secret string, hash []byte) bool {
	return subtle.ConstantTimeCompare(HashSecret(secret), hash) == 1
}

var errBadCredentials = errors.New("missing or malformed credentials: use \"Authorization: Bearer <api key>\" or HTTP Basic with key id and secret")

// parseAuthorization returns the key id and secret of an Authorization header value.
func parseAuthorization(header string) (id, secret string, err error) {
	scheme, value, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok {
		return "", "", errBadCredentials
	}
	value = strings.TrimSpace(value)
	switch strings.ToLower(scheme) {
	case "bearer":
		rest, ok := strings.CutPrefix(value, tokenPrefix)
		if !ok {
			return "", "", errBadCredentials
		}
		id, secret, ok = strings.Cut(rest, ".")
	case "basic":
		raw, decErr := base64.StdEncoding.DecodeString(value)
		if decErr != nil {
			return "", "", errBadCredentials
		}
		id, secret, ok = strings.Cut(string(raw), ":")
	}
	if !ok || !validKeyID(id) || secret == "" {
		return "", "", errBadCredentials
	}
	return id, secret, nil
}

// validKeyID accepts what NewKey makes, hex digits, and a little more; it
// keeps NUL and invalid UTF-8, which the database cannot even look up, from
// reaching it.
func validKeyID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range []byte(id) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
