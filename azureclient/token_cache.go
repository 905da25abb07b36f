package azureclient

import (
	"time"

	gocache "github.com/patrickmn/go-cache"
)

// token is one access token as the cache holds it. value is the only copy of
// the secret; nothing outside GetToken reads it.
type token struct {
	value     string
	tokenType string
	resource  string
	expiresOn time.Time
	fetchedAt time.Time
	source    string
	identity  TokenIdentity // from the claims, display only
}

// usable reports whether t may still be handed out at now. An expired token
// never is; expirySkew keeps one that would expire on the wire out too.
func (t token) usable(now time.Time) bool {
	return !t.expiresOn.IsZero() && now.Before(t.expiresOn.Add(-expirySkew))
}

// refreshDue reports whether a background refresh should start: less than
// 5 minutes left, or less than half the lifetime for short-lived tokens (the
// azcore temporal.Resource and MSAL rules).
func (t token) refreshDue(now time.Time) bool {
	threshold := refreshAhead
	if life := t.expiresOn.Sub(t.fetchedAt); life < 2*refreshAhead {
		threshold = life / 2
	}
	return t.expiresOn.Sub(now) < threshold
}

// refreshAt is when refreshDue turns true, for azcore.AccessToken.RefreshOn.
func (t token) refreshAt() time.Time {
	threshold := refreshAhead
	if life := t.expiresOn.Sub(t.fetchedAt); life < 2*refreshAhead {
		threshold = life / 2
	}
	return t.expiresOn.Add(-threshold)
}

const (
	refreshAhead = 5 * time.Minute
	expirySkew   = 5 * time.Second
	eagerBackoff = 30 * time.Second // between failed background refreshes
)

// tokenCache is a typed go-cache of tokens keyed by resource and identity.
// It runs no janitor goroutine: entries expire lazily, on Get.
type tokenCache struct {
	c   *gocache.Cache
	now func() time.Time
}

func newTokenCache(now func() time.Time) *tokenCache {
	return &tokenCache{c: gocache.New(gocache.NoExpiration, 0), now: now}
}

// tokenKey identifies a token: one per resource and identity.
func tokenKey(resource string, id Identity) string {
	return identityKey(id) + "|" + resource
}

// Get returns the cached token for key, expired or not; callers check usable.
func (c *tokenCache) Get(key string) (token, bool) {
	v, ok := c.c.Get(key)
	if !ok {
		return token{}, false
	}
	t, ok := v.(token)
	return t, ok
}

// Put stores t until it expires. go-cache counts in real time, so the entry
// is dropped once the token's remaining lifetime has passed on the wall clock.
func (c *tokenCache) Put(key string, t token) {
	ttl := t.expiresOn.Sub(c.now())
	if ttl <= 0 {
		return
	}
	c.c.Set(key, t, ttl)
}

// Delete drops the token for key.
func (c *tokenCache) Delete(key string) { c.c.Delete(key) }
