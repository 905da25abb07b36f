package handlers

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestAuth_LoginURLSetsCookieAndDropsToken(t *testing.T) {
	te := newEnv(t, envOptions{})
	if rec := te.do(httptest.NewRequest(http.MethodGet, "/", nil)); rec.Code != http.StatusUnauthorized {
		t.Fatalf("no secret: status %d, want 401", rec.Code)
	}
	r := httptest.NewRequest(http.MethodGet, "/resource-group?token="+testSecret+"&x=1", nil)
	r.Host = "localhost:9123"
	rec := te.do(r)
	if rec.Code != http.StatusFound {
		t.Fatalf("login: status %d, want 302", rec.Code)
	}
	if loc := rec.Header().Get("Location"); loc != "/resource-group?x=1" {
		t.Fatalf("redirect to %q, want the same path without the token", loc)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("want one cookie, got %d", len(cookies))
	}
	ck := cookies[0]
	if ck.Name != "msidash_session_9123" || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" {
		t.Fatalf("cookie %+v: want HttpOnly, SameSite=Strict, the port in its name", ck)
	}
	if strings.Contains(ck.Value, testSecret) {
		t.Fatal("the cookie holds the access secret")
	}
	r = httptest.NewRequest(http.MethodGet, "/api/v1/instance", nil)
	r.Host = "localhost:9123"
	r.AddCookie(ck)
	if rec := te.do(r); rec.Code != http.StatusOK {
		t.Fatalf("with the cookie: status %d, want 200", rec.Code)
	}
	// Another forwarded port is another dashboard: its cookie does not apply.
	r = httptest.NewRequest(http.MethodGet, "/api/v1/instance", nil)
	r.Host = "localhost:9124"
	r.AddCookie(ck)
	if rec := te.do(r); rec.Code != http.StatusUnauthorized {
		t.Fatalf("cookie of another port: status %d, want 401", rec.Code)
	}
}

func TestAuth_Refusals(t *testing.T) {
	tests := []struct {
		name        string
		givenHeader string
		givenQuery  string
		expect      int
	}{
		{name: "wrong bearer", givenHeader: "Bearer nope", expect: http.StatusUnauthorized},
		{name: "prefix of the secret", givenHeader: "Bearer " + testSecret[:10], expect: http.StatusUnauthorized},
		{name: "longer than the secret", givenHeader: "Bearer " + testSecret + "x", expect: http.StatusUnauthorized},
		{name: "empty bearer", givenHeader: "Bearer ", expect: http.StatusUnauthorized},
		{name: "basic scheme", givenHeader: "Basic " + testSecret, expect: http.StatusUnauthorized},
		{name: "wrong login token", givenQuery: "?token=nope", expect: http.StatusUnauthorized},
		{name: "right bearer", givenHeader: "Bearer " + testSecret, expect: http.StatusOK},
	}
	te := newEnv(t, envOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/api/v1/instance"+tt.givenQuery, nil)
			if tt.givenHeader != "" {
				r.Header.Set("Authorization", tt.givenHeader)
			}
			rec := te.do(r)
			if rec.Code != tt.expect {
				t.Fatalf("status %d, want %d", rec.Code, tt.expect)
			}
			if tt.expect == http.StatusUnauthorized {
				assertErrorCode(t, rec, "Unauthorized")
			}
		})
	}
}

func TestAuth_RepeatedFailuresAreSlowedDown(t *testing.T) {
	te := newEnv(t, envOptions{})
	var last int
	for range maxFailures + 1 {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/token", nil)
		r.Header.Set("Authorization", "Bearer guess")
		last = te.do(r).Code
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("after %d failures: status %d, want 429", maxFailures+1, last)
	}
}

func TestAuth_FailureWindowResets(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	g := NewGuard(testSecret, func() time.Time { return now })
	for range maxFailures + 1 {
		_ = g.refuse()
	}
	if classify(g.refuse()).status != http.StatusTooManyRequests {
		t.Fatal("want 429 inside the window")
	}
	now = now.Add(failureWindow + time.Second)
	if classify(g.refuse()).status != http.StatusUnauthorized {
		t.Fatal("want 401 once the window passed")
	}
}

// Only healthz is open; assets need the secret like every other route.
func TestAuth_OpenRoutes(t *testing.T) {
	te := newEnv(t, envOptions{})
	rec := te.do(httptest.NewRequest(http.MethodGet, "/api/v1/healthz", nil))
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != `{"status":"ok"}` {
		t.Fatalf("healthz: %d %q", rec.Code, rec.Body.String())
	}
	const htmx = "/static/vendor/htmx-2.0.11.min.js"
	if rec := te.do(httptest.NewRequest(http.MethodGet, htmx, nil)); rec.Code != http.StatusUnauthorized {
		t.Fatalf("htmx without the secret: %d, want 401", rec.Code)
	}
	rec = te.page(http.MethodGet, htmx, nil, te.login(), false)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") ||
		!strings.Contains(rec.Header().Get("Cache-Control"), "private") {
		t.Fatalf("htmx: %d, Cache-Control %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
}

func TestLocalPath(t *testing.T) {
	tests := []struct{ given, expect string }{
		{"/doctor", "/doctor"},
		{"//evil.com", "/"},
		{"/\\evil.com", "/"},
		{"https://evil.com", "/"},
		{"///evil.com", "/"},
		{"", "/"},
	}
	for _, tt := range tests {
		if got := localPath(tt.given); got != tt.expect {
			t.Errorf("localPath(%q) = %q, want %q", tt.given, got, tt.expect)
		}
	}
}

// assertErrorCode checks the contract's JSON error shape and its code.
func assertErrorCode(t *testing.T, rec *httptest.ResponseRecorder, code string) errorDetail {
	t.Helper()
	var body struct {
		Error *errorDetail `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error == nil {
		t.Fatalf("not the contract's error shape: %q", rec.Body.String())
	}
	if body.Error.Code != code || body.Error.Message == "" {
		t.Fatalf("error %+v, want code %q and a message", *body.Error, code)
	}
	return *body.Error
}
