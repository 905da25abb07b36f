package azuresim

import (
	"net/http"
	"testing"
)

func TestSim_ARMRouting(t *testing.T) {
	s := New(WithClock(fixedClock))
	token := mustToken(t, s, armRes)
	tests := []struct {
		name         string
		givenMethod  string
		givenURL     string
		expectStatus int
		expectCode   string
	}{
		{name: "api-version missing", givenURL: rgURL(DefaultResourceGroup),
			expectStatus: 400, expectCode: "MissingApiVersionParameter"},
		{name: "api-version too old", givenURL: rgURL(DefaultResourceGroup) + "?api-version=2015-01-01",
			expectStatus: 400, expectCode: "InvalidApiVersionParameter"},
		{name: "oldest resources version", givenURL: rgURL(DefaultResourceGroup) + "?api-version=2016-09-01", expectStatus: 200},
		{name: "storage needs 2016-12-01", givenMethod: http.MethodPost, givenURL: accountURL(DefaultAccount) + "/listKeys?api-version=2016-09-01",
			expectStatus: 400, expectCode: "InvalidApiVersionParameter"},
		{name: "storage 2016-12-01", givenMethod: http.MethodPost, givenURL: accountURL(DefaultAccount) + "/listKeys?api-version=2016-12-01", expectStatus: 200},
		{name: "preview version", givenURL: rgURL(DefaultResourceGroup) + "?api-version=2025-01-01-preview", expectStatus: 200},
		{name: "mixed case path", givenURL: "/SUBSCRIPTIONS/" + DefaultSubscriptionID + "/ResourceGroups/MSIDASH-DEMO?api-version=2021-04-01", expectStatus: 200},
		{name: "other subscription", givenURL: "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/x?api-version=2021-04-01",
			expectStatus: 404, expectCode: "SubscriptionNotFound"},
		{name: "unknown resource type", givenURL: rgURL(DefaultResourceGroup) + "/providers/Microsoft.Web/sites?api-version=2021-04-01",
			expectStatus: 404, expectCode: "InvalidResourceType"},
		{name: "bare subscriptions path", givenURL: "/subscriptions/?api-version=2021-04-01", expectStatus: 404, expectCode: "InvalidResourceType"},
		{name: "PUT refused", givenMethod: http.MethodPut, givenURL: rgURL(DefaultResourceGroup) + "?api-version=2021-04-01",
			expectStatus: 405, expectCode: "MethodNotAllowed"},
		{name: "GET listKeys refused", givenURL: accountURL(DefaultAccount) + "/listKeys?api-version=2024-01-01",
			expectStatus: 405, expectCode: "MethodNotAllowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.givenMethod
			if method == "" {
				method = http.MethodGet
			}
			rec := do(t, s, method, tt.givenURL, bearer(token), "")
			if rec.Code != tt.expectStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.expectStatus, rec.Body)
			}
			if tt.expectCode != "" {
				if code, _ := armCode(t, rec); code != tt.expectCode {
					t.Errorf("code %q, want %q", code, tt.expectCode)
				}
			}
		})
	}
}
