package handlers

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/msidash/msidash/azureclient/azuresim"
)

// SEC-6: cookie-authenticated state changes need the CSRF token and a
// same-origin request; bearer calls need neither.
func TestCSRF_Matrix(t *testing.T) {
	te := newEnv(t, envOptions{})
	ck := te.login()
	csrf := te.csrfFor(ck)
	tests := []struct {
		name         string
		givenBearer  bool
		givenCookie  bool
		givenHeaders map[string]string
		givenQuery   string
		expect       int
	}{
		{name: "cross-site fetch metadata", givenCookie: true, givenHeaders: map[string]string{"Sec-Fetch-Site": "cross-site", csrfHeader: csrf}, expect: http.StatusForbidden},
		{name: "evil origin", givenCookie: true, givenHeaders: map[string]string{"Origin": "http://evil.com", csrfHeader: csrf}, expect: http.StatusForbidden},
		{name: "other localhost port", givenCookie: true, givenHeaders: map[string]string{"Origin": "http://localhost:3000", "Sec-Fetch-Site": "same-site", csrfHeader: csrf}, expect: http.StatusForbidden},
		{name: "no token", givenCookie: true, expect: http.StatusForbidden},
		{name: "wrong token", givenCookie: true, givenHeaders: map[string]string{csrfHeader: strings.Repeat("0", len(csrf))}, expect: http.StatusForbidden},
		{name: "same origin with header", givenCookie: true, givenHeaders: map[string]string{"Origin": "http://localhost:8080", "Sec-Fetch-Site": "same-origin", csrfHeader: csrf}, expect: http.StatusOK},
		{name: "token in the URL (plain form)", givenCookie: true, givenQuery: "?csrf=" + csrf, expect: http.StatusOK},
		{name: "bearer needs no token", givenBearer: true, expect: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/api/v1/token/refresh"+tt.givenQuery, nil)
			if tt.givenCookie {
				r.AddCookie(ck)
			}
			if tt.givenBearer {
				r.Header.Set("Authorization", "Bearer "+testSecret)
			}
			for k, v := range tt.givenHeaders {
				r.Header.Set(k, v)
			}
			rec := te.do(r)
			if rec.Code != tt.expect {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.expect, rec.Body.String())
			}
			if tt.expect == http.StatusForbidden {
				assertErrorCode(t, rec, "CSRFRejected")
			}
		})
	}
}

// SEC-7: a GET on a mutating route does nothing, and no CORS header is sent.
func TestCSRF_NoStateChangeOnGETAndNoCORS(t *testing.T) {
	te := newEnv(t, envOptions{})
	for _, path := range []string{"/api/v1/token/refresh", "/token/refresh"} {
		if rec := te.api(http.MethodGet, path, nil); rec.Code != http.StatusMethodNotAllowed {
			t.Fatalf("GET %s: status %d, want 405", path, rec.Code)
		}
	}
	if n := te.sim.Calls(azuresim.TokenPath); n != 0 {
		t.Fatalf("a GET on a refresh route fetched a token (%d calls)", n)
	}
	r := httptest.NewRequest(http.MethodOptions, "/api/v1/storage-accounts", nil)
	r.Header.Set("Origin", "http://evil.com")
	r.Header.Set("Access-Control-Request-Method", "DELETE")
	rec := te.do(r)
	for k := range rec.Header() {
		if strings.HasPrefix(k, "Access-Control-") {
			t.Fatalf("CORS header %s sent", k)
		}
	}
}
