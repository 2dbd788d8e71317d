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

	keys ttlCache[string, *ent.APIKey]
	orgs ttlCache[int, string]
}

// LookupKey implements Keys.
func (c *CachedKeys) LookupKey(ctx context.Context, keyID string) (*ent.APIKey, error) {
	now := c.Now()
	if k, ok := c.keys.get(keyID, now); ok {
		return k, nil
	}
	k, err := c.Keys.LookupKey(ctx, keyID)
	if err != nil {
		c.keys.drop(keyID)
		return nil, err
	}
	c.keys.put(keyID, k, now)
	return k, nil
}

// OrgNumber implements Keys.
func (c *CachedKeys) OrgNumber(ctx context.Context, orgID int) (string, error) {
	now := c.Now()
	if n, ok := c.orgs.get(orgID, now); ok {
		return n, nil
	}
	n, err := c.Keys.OrgNumber(ctx, orgID)
	if err != nil {
		return "", err
	}
	c.orgs.put(orgID, n, now)
	return n, nil
}

// ttlCache holds values for KeyCacheTTL, at most keyCacheMax of them
// (when full it starts again empty). The zero value is ready to use.
type ttlCache[K comparable, V any] struct {
	mu      sync.Mutex
	entries map[K]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v       V
	expires time.Time
}

func (c *ttlCache[K, V]) get(k K, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || !now.Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (c *ttlCache[K, V]) put(k K, v V, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= keyCacheMax {
		c.entries = make(map[K]ttlEntry[V])
	}
	c.entries[k] = ttlEntry[V]{v: v, expires: now.Add(KeyCacheTTL)}
}

func (c *ttlCache[K, V]) drop(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, k)
}

func (c *ttlCache[K, V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
