package handlers

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/msidash/msidash/azureclient/azuresim"
)

func TestAPIToken(t *testing.T) {
	te := newEnv(t, envOptions{})
	first := decodeToken(t, te.api(http.MethodGet, "/api/v1/token", nil))
	second := decodeToken(t, te.api(http.MethodGet, "/api/v1/token", nil))
	if first.Resource != "https://management.azure.com/" || first.TokenType != "Bearer" || first.Source != "imds" {
		t.Fatalf("token status %+v", first)
	}
	if first.Identity.ObjectID != azuresim.ObjectID || first.Identity.ClientID != azuresim.ClientID ||
		first.Identity.TenantID != azuresim.DefaultTenantID || first.Identity.ResourceID == "" {
		t.Fatalf("identity %+v", first.Identity)
	}
	exp, err := time.Parse(time.RFC3339, first.ExpiresOn)
	if err != nil || first.ExpiresIn < 3000 || time.Until(exp) < 50*time.Minute {
		t.Fatalf("expiry %q / %d", first.ExpiresOn, first.ExpiresIn)
	}
	if !second.Cached {
		t.Fatal("second call was not served from the cache")
	}
	if n := te.sim.Calls(azuresim.TokenPath); n != 1 {
		t.Fatalf("identity endpoint called %d times, want 1", n)
	}
	refreshed := decodeToken(t, te.api(http.MethodPost, "/api/v1/token/refresh", nil))
	if refreshed.Cached || te.sim.Calls(azuresim.TokenPath) != 2 {
		t.Fatalf("refresh: cached=%v calls=%d", refreshed.Cached, te.sim.Calls(azuresim.TokenPath))
	}
	storage := decodeToken(t, te.api(http.MethodGet, "/api/v1/token?resource=https://storage.azure.com/", nil))
	if storage.Resource != "https://storage.azure.com/" {
		t.Fatalf("resource %q", storage.Resource)
	}
}

func TestAPIToken_IdentityOff(t *testing.T) {
	te := newEnv(t, envOptions{sim: []azuresim.Option{azuresim.WithIdentityOff()}})
	rec := te.api(http.MethodGet, "/api/v1/token", nil)
	if rec.Code != http.StatusBadGateway {
		t.Fatalf("status %d, want 502: %s", rec.Code, rec.Body.String())
	}
	var body errorBody
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	if !strings.Contains(body.Error.Hint, "az vm identity assign") {
		t.Fatalf("hint %q does not say how to enable the identity", body.Error.Hint)
	}
}

func TestTokenCard_OnOverviewAndRefresh(t *testing.T) {
	te := newEnv(t, envOptions{})
	ck := te.login()
	rec := te.page(http.MethodGet, "/", nil, ck, false)
	if rec.Code != http.StatusOK {
		t.Fatalf("overview: %d", rec.Code)
	}
	doc := parseHTML(t, rec)
	if got := doc.Find(`[data-testid="object-id"]`).Text(); got != azuresim.ObjectID {
		t.Fatalf("object id %q", got)
	}
	if at, ok := doc.Find(`[data-testid="token-expiry"]`).Attr("data-countdown"); !ok || at == "" {
		t.Fatal("no countdown on the token expiry")
	}
	r := httptest.NewRequest(http.MethodPost, "/token/refresh", nil)
	r.AddCookie(ck)
	r.Header.Set(csrfHeader, te.csrfFor(ck))
	r.Header.Set("HX-Request", "true")
	rec = te.do(r)
	if rec.Code != http.StatusOK || parseHTML(t, rec).Find(`#token-card`).Length() != 1 {
		t.Fatalf("refresh fragment: %d", rec.Code)
	}
}

func BenchmarkTokenStatusVsHealthz(b *testing.B) {
	te := newEnv(b, envOptions{})
	te.api(http.MethodGet, "/api/v1/token", nil) // warm the cache
	for _, bc := range []struct{ name, path string }{{"healthz", "/api/v1/healthz"}, {"token", "/api/v1/token"}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(http.MethodGet, bc.path, nil)
				r.Host = "localhost:8080"
				r.Header.Set("Authorization", "Bearer "+testSecret)
				rec := httptest.NewRecorder()
				te.e.ServeHTTP(rec, r)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}

func decodeToken(t *testing.T, rec *httptest.ResponseRecorder) tokenJSON {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	var out tokenJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func parseHTML(t *testing.T, rec *httptest.ResponseRecorder) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
