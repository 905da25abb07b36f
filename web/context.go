package web

import "context"

type ctxKey int

const (
	csrfKey ctxKey = iota
	navKey
)

// WithCSRFToken returns ctx carrying the session's CSRF token.
func WithCSRFToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, csrfKey, token)
}

// CSRFToken is the session's CSRF token, or "" for bearer requests.
func CSRFToken(ctx context.Context) string {
	s, _ := ctx.Value(csrfKey).(string)
	return s
}

// csrfHeaders is the hx-headers value that makes htmx send the CSRF token.
func csrfHeaders(ctx context.Context) string {
	return `{"X-CSRF-Token":"` + CSRFToken(ctx) + `"}`
}

// action is a form action carrying the CSRF token.
func action(ctx context.Context, path string) string { return WithCSRF(path, CSRFToken(ctx)) }
