package auth

import (
	"context"
	"sync"
	"time"

	"github.com/svarsign/svarsign/ent"
)

// KeyCacheTTL is how long a looked-up API key is trusted without asking
// the database again: the longest a revoked key keeps working, on this
// instance and on every other.
const KeyCacheTTL = time.Second

// keyCacheMax bounds the cache. Only keys that exist are cached, so its
// size is bounded by the keys in use anyway; this is a backstop.
const keyCacheMax = 10_000

// CachedKeys remembers the keys and organisation numbers Keys returned for
// KeyCacheTTL, by the clock Now, so that a busy system's calls do not each
// cost two queries. Unknown key ids are not cached: random ids cannot fill
// it. A cached key answers sooner than an unknown one, which tells only
// that a presented id (64 random bits, not guessable) was used in the last
// second.
type CachedKeys struct {
	Keys Keys
	Now  func() time.Time

	mu   sync.Mutex
	keys map[string]cachedKey
	orgs map[int]cachedOrg
}

type cachedKey struct {
	key     *ent.APIKey
	expires time.Time
}

type cachedOrg struct {
	number  string
	expires time.Time
}

// LookupKey implements Keys.
func (c *CachedKeys) LookupKey(ctx context.Context, keyID string) (*ent.APIKey, error) {
	now := c.Now()
	c.mu.Lock()
	e, ok := c.keys[keyID]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.key, nil
	}
	k, err := c.Keys.LookupKey(ctx, keyID)
	if err != nil {
		c.mu.Lock()
		delete(c.keys, keyID)
		c.mu.Unlock()
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil || len(c.keys) >= keyCacheMax {
		c.keys = make(map[string]cachedKey)
	}
	c.keys[keyID] = cachedKey{key: k, expires: now.Add(KeyCacheTTL)}
	return k, nil
}

// OrgNumber implements Keys.
func (c *CachedKeys) OrgNumber(ctx context.Context, orgID int) (string, error) {
	now := c.Now()
	c.mu.Lock()
	e, ok := c.orgs[orgID]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.number, nil
	}
	n, err := c.Keys.OrgNumber(ctx, orgID)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.orgs == nil || len(c.orgs) >= keyCacheMax {
		c.orgs = make(map[int]cachedOrg)
	}
	c.orgs[orgID] = cachedOrg{number: n, expires: now.Add(KeyCacheTTL)}
	return n, nil
}
