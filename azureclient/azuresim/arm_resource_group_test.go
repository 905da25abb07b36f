package azuresim

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestSim_ResourceGroup(t *testing.T) {
	s := New(WithClock(fixedClock))
	token := mustToken(t, s, armRes)
	tests := []struct {
		name          string
		givenRG       string
		givenGrantSub bool // Reader on the subscription, so a missing group is visible as 404
		expectStatus  int
		expectCode    string
		expectMessage string
		expectName    string
	}{
		{name: "found", givenRG: DefaultResourceGroup, expectStatus: 200, expectName: DefaultResourceGroup},
		{name: "other group without rights is 403", givenRG: "nosuch", expectStatus: 403, expectCode: "AuthorizationFailed"},
		{name: "other group with subscription reader is 404", givenRG: "nosuch", givenGrantSub: true,
			expectStatus: 404, expectCode: "ResourceGroupNotFound", expectMessage: "Resource group 'nosuch' could not be found."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.givenGrantSub {
				s.GrantRole(RoleReader, s.SubscriptionScope())
				defer s.RevokeRole(RoleReader, s.SubscriptionScope())
			}
			rec := do(t, s, http.MethodGet, rgURL(tt.givenRG)+"?api-version=2021-04-01", bearer(token), "")
			if rec.Code != tt.expectStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.expectStatus, rec.Body)
			}
			if tt.expectCode != "" {
				code, msg := armCode(t, rec)
				if code != tt.expectCode || (tt.expectMessage != "" && msg != tt.expectMessage) {
					t.Errorf("got %s %q, want %s %q", code, msg, tt.expectCode, tt.expectMessage)
				}
				return
			}
			var rg armResourceGroup
			if err := json.Unmarshal(rec.Body.Bytes(), &rg); err != nil {
				t.Fatal(err)
			}
			if rg.Name != tt.expectName || rg.ID != s.RGScope() || rg.Location != DefaultLocation || rg.Properties.ProvisioningState != "Succeeded" {
				t.Errorf("unexpected group %+v", rg)
			}
		})
	}
}

func TestSim_Resources(t *testing.T) {
	s := New(WithClock(fixedClock), WithAccounts(Account{Name: "one"}, Account{Name: "two"}))
	token := mustToken(t, s, armRes)
	rec := do(t, s, http.MethodGet, rgURL(DefaultResourceGroup)+"/resources?api-version=2021-04-01", bearer(token), "")
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var list armList[armGenericResource]
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	byType := map[string][]string{}
	for _, r := range list.Value {
		byType[r.Type] = append(byType[r.Type], r.ID)
	}
	tests := []struct {
		name      string
		givenType string
		expectIDs []string
	}{
		{name: "vm", givenType: "Microsoft.Compute/virtualMachines",
			expectIDs: []string{vmID(DefaultSubscriptionID, DefaultResourceGroup, DefaultVMName)}},
		{name: "storage accounts", givenType: "Microsoft.Storage/storageAccounts",
			expectIDs: []string{s.AccountScope("one"), s.AccountScope("two")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := byType[tt.givenType]
			if len(got) != len(tt.expectIDs) {
				t.Fatalf("ids %v, want %v", got, tt.expectIDs)
			}
			for i := range got {
				if got[i] != tt.expectIDs[i] {
					t.Errorf("id %q, want %q", got[i], tt.expectIDs[i])
				}
			}
		})
	}
}
