package azuresim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fixedNow is the clock most tests run on.
var fixedNow = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

func fixedClock() time.Time { return fixedNow }

// do sends one request straight to the handler.
func do(t *testing.T, s *Sim, method, target string, header map[string]string, body string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

// decode unmarshals a JSON body into a generic map.
func decode(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body is not JSON: %v: %q", err, rec.Body.String())
	}
	return m
}

var metadata = map[string]string{"Metadata": "true"}

// tokenURL builds an IMDS token URL for resource with extra query pairs.
func tokenURL(resource string, extra ...string) string {
	u := TokenPath + "?api-version=2018-02-01&resource=" + resource
	for i := 0; i+1 < len(extra); i += 2 {
		u += "&" + extra[i] + "=" + extra[i+1]
	}
	return u
}

// mustToken fetches a token for resource from the IMDS path.
func mustToken(t *testing.T, s *Sim, resource string) string {
	t.Helper()
	rec := do(t, s, http.MethodGet, tokenURL(resource), metadata, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("token: %d %s", rec.Code, rec.Body)
	}
	return decode(t, rec)["access_token"].(string)
}
