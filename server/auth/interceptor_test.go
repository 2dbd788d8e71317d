package auth

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/svarsign/svarsign/ent"
)

// countingKeys is a Keys holding one key, counting what it is asked.
type countingKeys struct {
	key           *ent.APIKey
	lookups, orgs int
}

func (k *countingKeys) LookupKey(_ context.Context, keyID string) (*ent.APIKey, error) {
	k.lookups++
	if keyID != k.key.KeyID {
		return nil, &ent.NotFoundError{}
	}
	return k.key, nil
}

func (k *countingKeys) OrgNumber(context.Context, int) (string, error) {
	k.orgs++
	return "123456785", nil
}

// TestAuthenticateFailuresAlike: an unknown key id, a wrong secret and a
// revoked key fail with one error and the same work: one key lookup, no
// organisation lookup, one hash comparison (in secretMatches, made on every
// path). A good key gets its caller.
func TestAuthenticateFailuresAlike(t *testing.T) {
	good := NewKey()
	revokedKey := NewKey()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	past := now.Add(-time.Minute)
	header := func(k Key) http.Header { return http.Header{"Authorization": {"Bearer " + k.Token()}} }

	keys := &countingKeys{key: &ent.APIKey{KeyID: good.ID, SecretHash: good.SecretHash, OrgID: 7}}
	c, err := Authenticate(context.Background(), keys, now, header(good))
	if err != nil || c.OrgID != 7 || c.OrgNumber != "123456785" || c.KeyID != good.ID {
		t.Fatalf("good key: %+v, %v", c, err)
	}

	var msgs []string
	for name, tc := range map[string]struct {
		stored  *ent.APIKey
		present Key
	}{
		"unknown key":  {&ent.APIKey{KeyID: "other", SecretHash: good.SecretHash}, good},
		"wrong secret": {&ent.APIKey{KeyID: good.ID, SecretHash: HashSecret("something else")}, good},
		"revoked key":  {&ent.APIKey{KeyID: revokedKey.ID, SecretHash: revokedKey.SecretHash, RevokedAt: &past}, revokedKey},
	} {
		keys := &countingKeys{key: tc.stored}
		_, err := Authenticate(context.Background(), keys, now, header(tc.present))
		var ce *connect.Error
		if !errors.As(err, &ce) || ce.Code() != connect.CodeUnauthenticated {
			t.Fatalf("%s: %v, want Unauthenticated", name, err)
		}
		if keys.lookups != 1 || keys.orgs != 0 {
			t.Errorf("%s: %d key lookups and %d organisation lookups, want 1 and 0", name, keys.lookups, keys.orgs)
		}
		msgs = append(msgs, ce.Message())
	}
	for _, m := range msgs[1:] {
		if m != msgs[0] {
			t.Errorf("failures answer differently: %q", msgs)
		}
	}
	if secretMatches("anything", noSecretHash) || secretMatches("", noSecretHash) {
		t.Error("a secret matches the stand-in hash of unknown keys")
	}
}

// TestRevocationByServiceClock: a key is revoked from its revocation time
// on, as the service's clock tells it, not the wall clock's.
func TestRevocationByServiceClock(t *testing.T) {
	k := NewKey()
	revokedAt := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	keys := &countingKeys{key: &ent.APIKey{KeyID: k.ID, SecretHash: k.SecretHash, OrgID: 7, RevokedAt: &revokedAt}}
	header := http.Header{"Authorization": {"Bearer " + k.Token()}}
	for _, tc := range []struct {
		now  time.Time
		want bool
	}{
		{revokedAt.Add(-time.Second), true},
		{revokedAt, false},
		{revokedAt.Add(time.Second), false},
	} {
		i := Interceptor{Keys: keys, Now: func() time.Time { return tc.now }}
		_, err := i.Authenticate(context.Background(), header)
		if got := err == nil; got != tc.want {
			t.Errorf("at %s (revoked at %s): accepted %v, want %v (%v)", tc.now, revokedAt, got, tc.want, err)
		}
	}
}
