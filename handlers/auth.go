package handlers

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	gocache "github.com/patrickmn/go-cache"

	"github.com/msidash/msidash/web"
)

const (
	sessionTTL        = 12 * time.Hour
	failureWindow     = time.Minute
	maxFailures       = 20 // per window, then 429 until it passes
	authModeBearer    = "bearer"
	authModeCookie    = "cookie"
	authModeCtxKey    = "msidash.auth"
	sessionCtxKey     = "msidash.session"
	loginQueryParam   = "token"
	csrfQueryParam    = "csrf"
	csrfHeader        = "X-CSRF-Token"
	sessionCookieName = "msidash_session_"
)

// Guard holds the access secret and the browser sessions it grants.
type Guard struct {
	secret   []byte
	csrfKey  []byte
	sessions *gocache.Cache
	now      func() time.Time

	mu          sync.Mutex
	failures    int
	windowStart time.Time
}

// NewGuard returns a Guard for the access secret.
func NewGuard(secret string, now func() time.Time) *Guard {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &Guard{
		secret:   []byte(secret),
		csrfKey:  key,
		sessions: gocache.New(sessionTTL, 10*time.Minute),
		now:      now,
	}
}

// authenticate lets through requests that carry the access secret as a
// bearer token or a valid session cookie; a GET with ?token=<secret> becomes
// a session cookie and a redirect to the same URL without the token.
func (g *Guard) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if auth := req.Header.Get(echo.HeaderAuthorization); auth != "" {
			tok, ok := strings.CutPrefix(auth, "Bearer ")
			if !ok || !g.secretMatches(tok) {
				return g.refuse()
			}
			c.Set(authModeCtxKey, authModeBearer)
			return next(c)
		}
		if tok := req.URL.Query().Get(loginQueryParam); tok != "" {
			if req.Method != http.MethodGet || !g.secretMatches(tok) {
				return g.refuse()
			}
			return g.login(c)
		}
		if ck, err := req.Cookie(cookieName(req.Host)); err == nil {
			if _, ok := g.sessions.Get(ck.Value); ok {
				c.Set(authModeCtxKey, authModeCookie)
				c.Set(sessionCtxKey, ck.Value)
				ctx := web.WithCSRFToken(req.Context(), g.csrfToken(ck.Value))
				c.SetRequest(req.WithContext(ctx))
				return next(c)
			}
		}
		return g.refuse()
	}
}

// login sets the session cookie and redirects to the path without the token,
// so the secret leaves the address bar and the history.
func (g *Guard) login(c echo.Context) error {
	req := c.Request()
	id := randomHex(32)
	g.sessions.SetDefault(id, struct{}{})
	c.SetCookie(&http.Cookie{
		Name:     cookieName(req.Host),
		Value:    id,
		Path:     "/",
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
		MaxAge:   int(sessionTTL / time.Second),
	})
	q := req.URL.Query()
	q.Del(loginQueryParam)
	to := localPath(req.URL.Path)
	if enc := q.Encode(); enc != "" {
		to += "?" + enc
	}
	return c.Redirect(http.StatusFound, to)
}

// localPath keeps a redirect on this server: "//host" and "/\host" would
// leave it.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/"
	}
	return p
}

// refuse answers 401, or 429 once failures pile up: the secret cannot be
// guessed at speed. Behind an SSH tunnel every client is 127.0.0.1, so the
// limit is global rather than per address.
func (g *Guard) refuse() error {
	g.mu.Lock()
	now := g.now()
	if now.Sub(g.windowStart) > failureWindow {
		g.windowStart, g.failures = now, 0
	}
	g.failures++
	limited := g.failures > maxFailures
	g.mu.Unlock()
	if limited {
		return &apiError{Status: http.StatusTooManyRequests, Code: "TooManyAttempts",
			Message: "too many failed sign-ins; wait a minute"}
	}
	return &apiError{Status: http.StatusUnauthorized, Code: "Unauthorized",
		Message: "the access secret is missing or wrong",
		Hint:    "open the login URL msidash printed at start, or send Authorization: Bearer <secret> (MSIDASH_AUTH_TOKEN or the secret file)"}
}

func (g *Guard) secretMatches(s string) bool {
	return subtle.ConstantTimeCompare([]byte(s), g.secret) == 1
}

// csrfToken binds a CSRF token to a session; it reveals nothing of the secret.
func (g *Guard) csrfToken(session string) string {
	m := hmac.New(sha256.New, g.csrfKey)
	m.Write([]byte(session))
	return hex.EncodeToString(m.Sum(nil))
}

// cookieName holds the port: cookies are not isolated by port, and two
// dashboards on one laptop must not share a session.
func cookieName(host string) string {
	port := "80"
	if _, p, err := net.SplitHostPort(host); err == nil && p != "" {
		port = p
	}
	return sessionCookieName + port
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
