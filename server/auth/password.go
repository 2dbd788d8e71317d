package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Case workers log in with passwords, which, unlike API key secrets, are
// chosen by people and guessable: they are stored only as argon2id hashes,
// with the parameters OWASP recommends as a minimum (19 MiB, 2 passes, one
// lane), in the PHC string form so the parameters can be raised later
// without invalidating stored hashes.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// Password length limits: at least 12 characters, as NIST SP 800-63B asks
// for passwords that are the only factor; at most 1024 bytes so that a
// login cannot make the server hash megabytes.
const (
	MinPasswordLen   = 12
	MaxPasswordBytes = 1024
)

// CheckPasswordPolicy says why a new password is not acceptable, or nil.
func CheckPasswordPolicy(password string) error {
	switch {
	case !utf8.ValidString(password):
		return errors.New("password must be valid UTF-8")
	case utf8.RuneCountInString(password) < MinPasswordLen:
		return fmt.Errorf("password must be at least %d characters", MinPasswordLen)
	case len(password) > MaxPasswordBytes:
		return fmt.Errorf("password must be at most %d bytes", MaxPasswordBytes)
	}
	return nil
}

// HashPassword returns the argon2id hash of password in PHC string form,
// $argon2id$v=19$m=...,t=...,p=...$salt$hash.
func HashPassword(password string) string {
	salt := make([]byte, argonSaltLen)
	rand.Read(salt) // never fails; see crypto/rand.Read
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// dummyHash is compared against when no user matches, so that a login for
// an unknown address takes as long as one with a wrong password and does
// not tell which addresses exist.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c3ZhcnNpZ24tZHVtbXkh$0bMGB6pbOp9ZEbMUUvdx1SWZW6x4vOJ4vdfTQGAZa8o"

// PasswordMatches reports whether password hashes to encoded, in constant
// time. An empty or malformed encoded hash is checked against a dummy hash
// (and never matches), so the time spent does not reveal whether a user
// exists.
func PasswordMatches(password, encoded string) bool {
	ok := true
	if encoded == "" || len(password) > MaxPasswordBytes {
		encoded, ok = dummyHash, false
	}
	var version int
	var mem, iters uint32
	var threads uint8
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iters, &threads); err != nil || threads == 0 || iters == 0 || mem > 1<<20 {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, iters, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1 && ok
}
