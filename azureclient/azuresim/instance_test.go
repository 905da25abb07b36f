package azuresim

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestSim_Instance(t *testing.T) {
	tests := []struct {
		name         string
		givenURL     string
		givenHeader  map[string]string
		expectStatus int
		expectError  string // substring of "error"
	}{
		{name: "ok", givenURL: InstancePath + "?api-version=2021-02-01", givenHeader: metadata, expectStatus: 200},
		{name: "metadata missing", givenURL: InstancePath + "?api-version=2021-02-01", expectStatus: 400,
			expectError: "Required metadata header not specified"},
		{name: "x-forwarded-for", givenURL: InstancePath + "?api-version=2021-02-01",
			givenHeader: map[string]string{"Metadata": "true", "X-Forwarded-For": "1.2.3.4"}, expectStatus: 400, expectError: "X-Forwarded-For"},
		{name: "api-version missing", givenURL: InstancePath, givenHeader: metadata, expectStatus: 400,
			expectError: "api-version was not specified"},
		{name: "api-version invalid", givenURL: InstancePath + "?api-version=latest", givenHeader: metadata, expectStatus: 400,
			expectError: "api-version is invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New()
			rec := do(t, s, http.MethodGet, tt.givenURL, tt.givenHeader, "")
			if rec.Code != tt.expectStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.expectStatus, rec.Body)
			}
			if tt.expectError != "" {
				if e, _ := decode(t, rec)["error"].(string); !strings.Contains(e, tt.expectError) {
					t.Errorf("error %q, want it to contain %q", e, tt.expectError)
				}
				return
			}
			var got instanceResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			c := got.Compute
			if c.Name != DefaultVMName || c.VMID != DefaultVMID || c.SubscriptionID != DefaultSubscriptionID ||
				c.ResourceGroupName != DefaultResourceGroup || c.Location != DefaultLocation {
				t.Errorf("compute %+v", c)
			}
			if len(got.Network.Interface) == 0 {
				t.Error("no network interface")
			}
		})
	}
}
