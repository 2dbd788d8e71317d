package websession

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
)

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

func TestNewToken(t *testing.T) {
	t.Parallel()
	a, ha := NewToken()
	b, hb := NewToken()
	if a == b || string(ha) == string(hb) {
		t.Fatal("two tokens alike")
	}
	if len(a) != 43 || !wellFormed(a) || strings.ContainsAny(a, "+/=") {
		t.Errorf("token %q: want 43 URL-safe characters", a)
	}
	sum := sha256.Sum256([]byte(a))
	if !bytes.Equal(ha, sum[:]) || !bytes.Equal(Hash(a), ha) {
		t.Error("the hash is not the token's SHA-256")
	}
	if bytes.Contains(ha, []byte(a)) {
		t.Error("the hash holds the token")
	}
}

func TestEqual(t *testing.T) {
	t.Parallel()
	tok, _ := NewToken()
	for _, tc := range []struct {
		got, want string
		equal     bool
	}{
		{tok, tok, true},
		{"x", "x", true},
		{"", "", false}, // an empty expected token never matches
		{"anything", "", false},
		{"", tok, false},
		{tok[:42], tok, false},
		{tok + "x", tok, false},
		{strings.ToUpper(tok), tok, tok == strings.ToUpper(tok)},
	} {
		if got := Equal(tc.got, tc.want); got != tc.equal {
			t.Errorf("Equal(%q, %q) = %v", tc.got, tc.want, got)
		}
	}
}

func TestWellFormed(t *testing.T) {
	t.Parallel()
	tok, _ := NewToken()
	for s, want := range map[string]bool{
		tok:                             true,
		"":                              false,
		tok[:42]:                        false,
		tok + "A":                       false,
		strings.Repeat("a", 42) + "=":   false,
		strings.Repeat("+", 43):         false,
		strings.Repeat("a", 42) + "\n":  false,
		strings.Repeat("a", 42) + "B":   false, // trailing bits set: not what the encoder writes
		strings.Repeat("a", 42) + "A":   true,
		"planted-by-an-attacker-012345": false,
	} {
		if got := wellFormed(s); got != want {
			t.Errorf("wellFormed(%q) = %v, want %v", s, got, want)
		}
	}
}
