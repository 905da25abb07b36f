package azuresim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: fixedNow} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

const (
	armRes     = "https://management.azure.com/"
	storageRes = "https://storage.azure.com/"
)

// rgURL is the resource group URL as armresources writes it (lower-case "resourcegroups").
func rgURL(rg string) string {
	return "/subscriptions/" + DefaultSubscriptionID + "/resourcegroups/" + rg
}

// accountURL is a storage account URL as armstorage writes it.
func accountURL(name string) string {
	return "/subscriptions/" + DefaultSubscriptionID + "/resourceGroups/" + DefaultResourceGroup +
		"/providers/Microsoft.Storage/storageAccounts/" + name
}

func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

// armCode returns error.code of an ARM error body.
func armCode(t *testing.T, rec *httptest.ResponseRecorder) (code, message string) {
	t.Helper()
	e, _ := decode(t, rec)["error"].(map[string]any)
	code, _ = e["code"].(string)
	message, _ = e["message"].(string)
	return code, message
}
