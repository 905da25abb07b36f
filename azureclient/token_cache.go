package azureclient

import (
	"context"
	"time"

	gocache "github.com/patrickmn/go-cache"
	"golang.org/x/sync/singleflight"
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

// tokenState is what the source remembers about a key besides the token.
type tokenState struct {
	fetching  int       // fetches under way for this key
	lastErr   error     // last failed fetch; cleared by a success
	eager     bool      // a background refresh is running
	nextEager time.Time // no background refresh before this (after a failure)
}

// cachedToken returns a usable cached token, starting a background refresh
// when it is due. An expired token is never returned.
func (s *TokenSource) cachedToken(ctx context.Context, key, resource string) (token, bool) {
	t, ok := s.cache.Get(key)
	if !ok || !t.usable(s.now()) {
		return token{}, false
	}
	s.maybeRefreshAhead(ctx, key, resource, t)
	return t, true
}

// maybeRefreshAhead starts one background refresh when t is close to expiry,
// unless one is running or the last one failed less than eagerBackoff ago.
// Meanwhile t keeps serving.
func (s *TokenSource) maybeRefreshAhead(ctx context.Context, key, resource string, t token) {
	now := s.now()
	if !t.refreshDue(now) {
		return
	}
	s.mu.Lock()
	st := s.stateLocked(key)
	if st.eager || now.Before(st.nextEager) {
		s.mu.Unlock()
		return
	}
	st.eager = true
	s.mu.Unlock()
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		_, err, _ := s.group.Do(key, func() (any, error) { return s.fetchAndStore(ctx, key, resource, true) })
		s.mu.Lock()
		st.eager = false
		if err != nil {
			st.nextEager = s.now().Add(eagerBackoff)
		}
		s.mu.Unlock()
	}()
}

// fill starts (or joins) the single fetch for key. Without force, a fetch
// that finds a usable token cached (a straggler after another fill) returns
// it without calling the endpoint.
func (s *TokenSource) fill(ctx context.Context, key, resource string, force bool) <-chan singleflight.Result {
	return s.group.DoChan(key, func() (any, error) { return s.fetchAndStore(ctx, key, resource, force) })
}

func (s *TokenSource) stateLocked(key string) *tokenState {
	st, ok := s.states[key]
	if !ok {
		st = &tokenState{}
		s.states[key] = st
	}
	return st
}

// fetchAndStore runs inside the single flight for key. The fetch gets a
// context detached from the caller that started it, so a cancelled request
// does not fail everyone sharing the fetch; imdsFetchBudget bounds it.
func (s *TokenSource) fetchAndStore(ctx context.Context, key, resource string, force bool) (token, error) {
	if !force {
		if t, ok := s.cache.Get(key); ok && t.usable(s.now()) {
			return t, nil
		}
	}
	s.inflight.Add(1)
	defer s.inflight.Add(-1)
	s.mu.Lock()
	s.stateLocked(key).fetching++
	s.mu.Unlock()

	fctx, cancel := context.WithTimeout(detached(ctx), imdsFetchBudget)
	defer cancel()
	t, err := s.fetch(fctx, resource)

	if err == nil {
		s.cache.Put(key, t)
	}
	s.mu.Lock()
	st := s.stateLocked(key)
	st.fetching--
	st.lastErr = err
	s.mu.Unlock()
	return t, err
}

// detached returns a context that is never cancelled and carries none of
// ctx's values. Cancellation must not spread from one caller to a shared
// fetch; values must not either, because azcore reads per-call options from
// them (policy.WithCaptureResponse, WithHTTPHeader, WithRetryOptions), and
// an ARM request's options must not shape, or capture, the IMDS call.
func detached(ctx context.Context) context.Context {
	return valuelessContext{context.WithoutCancel(ctx)}
}

type valuelessContext struct{ context.Context }

func (valuelessContext) Value(any) any { return nil }
