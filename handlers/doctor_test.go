package handlers

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/msidash/msidash/azureclient/azuresim"
)

func TestAPIDoctor(t *testing.T) {
	tests := []struct {
		name         string
		givenSetup   func(te *env)
		expectStatus []string
	}{
		{name: "all pass", expectStatus: []string{"pass", "pass", "pass", "pass", "pass", "pass", "pass", "pass"}},
		{name: "identity off", givenSetup: func(te *env) { te.sim.SetIdentity(false) },
			expectStatus: []string{"pass", "fail", "skip", "pass", "skip", "skip", "skip", "skip"}},
		{name: "reader revoked", givenSetup: func(te *env) { te.sim.RevokeRole(azuresim.RoleReader, te.sim.RGScope()) },
			expectStatus: []string{"pass", "pass", "pass", "pass", "fail", "skip", "skip", "skip"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			te := newEnv(t, envOptions{azurite: true})
			if tt.givenSetup != nil {
				tt.givenSetup(te)
			}
			rec := te.api(http.MethodGet, "/api/v1/doctor", nil)
			var out doctorJSON
			if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil {
				t.Fatalf("doctor: %d %s", rec.Code, rec.Body.String())
			}
			if len(out.Checks) != len(tt.expectStatus) {
				t.Fatalf("%d checks, want %d: %s", len(out.Checks), len(tt.expectStatus), rec.Body.String())
			}
			for i, c := range out.Checks {
				if c.Status != tt.expectStatus[i] {
					t.Errorf("check %d %q: %s (%s), want %s", i, c.Name, c.Status, c.Message, tt.expectStatus[i])
				}
				if c.Status == "fail" && c.Hint == "" {
					t.Errorf("failing check %q has no hint", c.Name)
				}
			}
		})
	}
}
