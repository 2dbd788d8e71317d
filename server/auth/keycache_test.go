package auth

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/svarsign/svarsign/ent"
)

// TestCachedKeys: within KeyCacheTTL a key costs no lookup; after it the
// store is asked again, so a revocation there takes effect within the TTL;
// unknown key ids are never cached.
func TestCachedKeys(t *testing.T) {
	k := NewKey()
	stored := &countingKeys{key: &ent.APIKey{KeyID: k.ID, SecretHash: k.SecretHash, OrgID: 7}}
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	cache := &CachedKeys{Keys: stored, Now: func() time.Time { return now }}
	i := Interceptor{Keys: cache, Now: func() time.Time { return now }}
	auth := func(token string) error {
		_, err := i.Authenticate(context.Background(), http.Header{"Authorization": {"Bearer " + token}})
		return err
	}

	for range 3 {
		if err := auth(k.Token()); err != nil {
			t.Fatal(err)
		}
	}
	if stored.lookups != 1 || stored.orgs != 1 {
		t.Errorf("3 calls within the TTL made %d key and %d organisation lookups, want 1 and 1", stored.lookups, stored.orgs)
	}

	// Revoked in the store: still cached just before the TTL ends,
	// refused once it has.
	revoked := now
	stored.key = &ent.APIKey{KeyID: k.ID, SecretHash: k.SecretHash, OrgID: 7, RevokedAt: &revoked}
	now = now.Add(KeyCacheTTL - time.Millisecond)
	if err := auth(k.Token()); err != nil {
		t.Errorf("within the TTL: %v", err)
	}
	now = now.Add(time.Millisecond)
	if err := auth(k.Token()); err == nil {
		t.Error("a key revoked in the store still works after the TTL")
	}

	// A wrong secret for a cached key is refused like any other.
	if err := auth(tokenPrefix + k.ID + ".wrong"); err == nil {
		t.Error("a wrong secret was accepted from the cache")
	}

	// Unknown ids go to the store every time and are not kept.
	before := stored.lookups
	other := NewKey()
	for range 3 {
		if err := auth(other.Token()); err == nil {
			t.Fatal("an unknown key was accepted")
		}
	}
	if got := stored.lookups - before; got != 3 {
		t.Errorf("3 calls with an unknown key made %d lookups, want 3", got)
	}
	if n := cache.keys.len(); n != 1 {
		t.Errorf("%d keys cached, want only the known one", n)
	}
}
