package handlers

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// SEC-14: every answer, errors included, carries the page security headers.
func TestSecurityHeaders_OnEveryAnswer(t *testing.T) {
	te := newEnv(t, envOptions{})
	ck := te.login()
	tests := []struct {
		name         string
		givenRequest func() *http.Request
		expectStatus int
	}{
		{name: "page 200", givenRequest: func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/doctor", nil)
			r.AddCookie(ck)
			return r
		}, expectStatus: http.StatusOK},
		{name: "login 302", givenRequest: func() *http.Request { return httptest.NewRequest(http.MethodGet, "/?token="+testSecret, nil) }, expectStatus: http.StatusFound},
		{name: "401", givenRequest: func() *http.Request { return httptest.NewRequest(http.MethodGet, "/", nil) }, expectStatus: http.StatusUnauthorized},
		{name: "403 host", givenRequest: func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Host = "evil.com"
			return r
		}, expectStatus: http.StatusForbidden},
		{name: "404", givenRequest: func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/nope", nil)
			r.Header.Set("Authorization", "Bearer "+testSecret)
			return r
		}, expectStatus: http.StatusNotFound},
		{name: "413", givenRequest: func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/api/v1/storage-accounts/msidashdemo/containers", strings.NewReader(strings.Repeat("x", 2<<20)))
			r.Header.Set("Authorization", "Bearer "+testSecret)
			return r
		}, expectStatus: http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := te.do(tt.givenRequest())
			if rec.Code != tt.expectStatus {
				t.Fatalf("status %d, want %d", rec.Code, tt.expectStatus)
			}
			h := rec.Header()
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "script-src 'self'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"} {
				if h.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, h.Get(k), v)
				}
			}
		})
	}
}
