package azuresim

import (
	"net/http"
	"testing"
)

func TestSim_MSIExtension(t *testing.T) {
	form := map[string]string{"Metadata": "true", "Content-Type": "application/x-www-form-urlencoded"}
	tests := []struct {
		name         string
		givenMethod  string
		givenHeader  map[string]string
		givenBody    string
		givenOff     bool
		expectStatus int
		expectError  string
		expectClient string
	}{
		{name: "system identity", givenMethod: http.MethodPost, givenHeader: form, givenBody: "resource=https://management.azure.com/",
			expectStatus: 200, expectClient: ClientID},
		{name: "user-assigned by client_id", givenMethod: http.MethodPost, givenHeader: form,
			givenBody: "resource=https://storage.azure.com/&client_id=" + UserClientID, expectStatus: 200, expectClient: UserClientID},
		{name: "metadata missing", givenMethod: http.MethodPost,
			givenHeader: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, givenBody: "resource=https://management.azure.com/",
			expectStatus: 400, expectError: "invalid_request"},
		{name: "GET refused", givenMethod: http.MethodGet, givenHeader: metadata, expectStatus: 405, expectError: "invalid_request"},
		{name: "resource missing", givenMethod: http.MethodPost, givenHeader: form, givenBody: "", expectStatus: 400, expectError: "invalid_request"},
		{name: "identity off", givenMethod: http.MethodPost, givenHeader: form, givenBody: "resource=https://management.azure.com/",
			givenOff: true, expectStatus: 400, expectError: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New()
			s.SetIdentity(!tt.givenOff)
			rec := do(t, s, tt.givenMethod, MSIPath, tt.givenHeader, tt.givenBody)
			if rec.Code != tt.expectStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.expectStatus, rec.Body)
			}
			body := decode(t, rec)
			if tt.expectError != "" {
				if body["error"] != tt.expectError {
					t.Errorf("error %v, want %s", body["error"], tt.expectError)
				}
				return
			}
			if body["client_id"] != tt.expectClient || body["token_type"] != "Bearer" {
				t.Errorf("body %v", body)
			}
			if _, ok := body["expires_on"].(string); !ok {
				t.Errorf("expires_on %#v is not a string", body["expires_on"])
			}
		})
	}
}
