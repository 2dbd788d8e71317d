package auth

import (
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	h := HashPassword("korrekt hest batteri stift")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not argon2id in PHC form with the chosen parameters", h)
	}
	if h == HashPassword("korrekt hest batteri stift") {
		t.Error("two hashes of one password are equal: no salt")
	}
	if !PasswordMatches("korrekt hest batteri stift", h) {
		t.Error("the password does not match its hash")
	}
	for _, bad := range []string{"", "korrekt hest batteri stifT", strings.Repeat("x", MaxPasswordBytes+1)} {
		if PasswordMatches(bad, h) {
			t.Errorf("%q matches", bad)
		}
	}
	for _, enc := range []string{"", "$argon2id$v=19$m=1,t=1,p=1$$", "$2a$10$abc", dummyHash, strings.Replace(h, "m=19456", "m=99999999", 1)} {
		if PasswordMatches("korrekt hest batteri stift", enc) {
			t.Errorf("matches malformed or foreign hash %q", enc)
		}
	}
}

func TestSessionToken(t *testing.T) {
	h := map[string][]string{"Cookie": {"a=1; " + SessionCookie + "=tok; b=2"}}
	if got := SessionToken(h); got != "tok" {
		t.Errorf("SessionToken = %q", got)
	}
	if got := SessionToken(map[string][]string{"Cookie": {"svarsign_mailbox=x"}}); got != "" {
		t.Errorf("SessionToken of another cookie = %q", got)
	}
}
