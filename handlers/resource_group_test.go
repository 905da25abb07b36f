package handlers

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/msidash/msidash/azureclient/azuresim"
)

func TestAPIResourceGroupAndAccounts(t *testing.T) {
	te := newEnv(t, envOptions{})
	rec := te.api(http.MethodGet, "/api/v1/resource-group", nil)
	var g resourceGroupJSON
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &g) != nil {
		t.Fatalf("resource group: %d %s", rec.Code, rec.Body.String())
	}
	if g.Name != azuresim.DefaultResourceGroup || g.Location != azuresim.DefaultLocation || g.ProvisioningState != "Succeeded" || len(g.Resources) == 0 || g.Tags == nil {
		t.Fatalf("resource group %+v", g)
	}
	rec = te.api(http.MethodGet, "/api/v1/storage-accounts", nil)
	var sa storageAccountsJSON
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &sa) != nil || len(sa.StorageAccounts) != 1 {
		t.Fatalf("storage accounts: %d %s", rec.Code, rec.Body.String())
	}
	if a := sa.StorageAccounts[0]; a.Name != azuresim.DefaultAccount || a.BlobEndpoint == "" || a.Kind == "" || a.SKU == "" || !strings.HasPrefix(a.ID, "/subscriptions/") {
		t.Fatalf("account %+v", a)
	}
	rec = te.api(http.MethodGet, "/api/v1/instance", nil)
	var in instanceJSON
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &in) != nil || in.VMName != azuresim.DefaultVMName || in.SubscriptionID != azuresim.DefaultSubscriptionID {
		t.Fatalf("instance: %d %s", rec.Code, rec.Body.String())
	}
}

func TestAPIKeys_Masked(t *testing.T) {
	te := newEnv(t, envOptions{})
	rec := te.api(http.MethodGet, "/api/v1/storage-accounts/"+azuresim.DefaultAccount+"/keys", nil)
	var keys keysJSON
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &keys) != nil || len(keys.Keys) != 2 {
		t.Fatalf("keys: %d %s", rec.Code, rec.Body.String())
	}
	k1, _ := te.sim.Keys(azuresim.DefaultAccount)
	for _, k := range keys.Keys {
		if k.KeyName == "" || k.Permissions == "" || k.CreationTime == "" {
			t.Fatalf("key %+v", k)
		}
		if len([]rune(k.Value)) > 9 || strings.Contains(k.Value, k1[4:len(k1)-4]) {
			t.Fatalf("key value %q is not masked", k.Value)
		}
	}
	if keys.Keys[0].Value != k1[:4]+"…"+k1[len(k1)-4:] {
		t.Fatalf("mask %q: want the first and last 4 characters", keys.Keys[0].Value)
	}
	// Cached: listKeys is an ARM write and must not run per view.
	te.api(http.MethodGet, "/api/v1/storage-accounts/"+azuresim.DefaultAccount+"/keys", nil)
	if n := te.sim.Calls(azuresim.ListKeysPath); n != 1 {
		t.Fatalf("listKeys called %d times, want 1", n)
	}
}

func TestAPIARM_Errors(t *testing.T) {
	tests := []struct {
		name         string
		givenSetup   func(te *env)
		givenPath    string
		expectStatus int
		expectCode   string
		expectHint   []string
	}{
		{
			name:       "Reader revoked",
			givenSetup: func(te *env) { te.sim.RevokeRole(azuresim.RoleReader, te.sim.RGScope()) },
			givenPath:  "/api/v1/resource-group", expectStatus: http.StatusForbidden, expectCode: "AuthorizationFailed",
			expectHint: []string{"Reader", "az role assignment create", azuresim.ObjectID, "/resourceGroups/" + azuresim.DefaultResourceGroup},
		},
		{
			name: "key operator revoked",
			givenSetup: func(te *env) {
				te.sim.RevokeRole(azuresim.RoleKeyOperator, te.sim.AccountScope(azuresim.DefaultAccount))
			},
			givenPath: "/api/v1/storage-accounts/" + azuresim.DefaultAccount + "/keys", expectStatus: http.StatusForbidden, expectCode: "AuthorizationFailed",
			expectHint: []string{"Storage Account Key Operator Service Role", "az role assignment create", azuresim.ObjectID, "storageAccounts/" + azuresim.DefaultAccount},
		},
		{
			name: "missing account", givenPath: "/api/v1/storage-accounts/nosuchaccount/keys",
			expectStatus: http.StatusNotFound,
		},
		{
			name: "bad account name", givenPath: "/api/v1/storage-accounts/Bad_Name/keys",
			expectStatus: http.StatusBadRequest, expectCode: "InvalidAccountName",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			te := newEnv(t, envOptions{})
			if tt.givenSetup != nil {
				tt.givenSetup(te)
			}
			rec := te.api(http.MethodGet, tt.givenPath, nil)
			if rec.Code != tt.expectStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.expectStatus, rec.Body.String())
			}
			var body errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Message == "" {
				t.Fatalf("error shape: %s", rec.Body.String())
			}
			if tt.expectCode != "" && body.Error.Code != tt.expectCode {
				t.Fatalf("code %q, want %q", body.Error.Code, tt.expectCode)
			}
			for _, want := range tt.expectHint {
				if !strings.Contains(body.Error.Hint, want) {
					t.Errorf("hint %q lacks %q", body.Error.Hint, want)
				}
			}
		})
	}
}

func TestAPIARM_Unreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	te := newEnv(t, envOptions{armURL: closed})
	rec := te.api(http.MethodGet, "/api/v1/resource-group", nil)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503: %s", rec.Code, rec.Body.String())
	}
}

func TestResourceGroupPage_ForbiddenShowsRole(t *testing.T) {
	te := newEnv(t, envOptions{})
	te.sim.RevokeRole(azuresim.RoleReader, te.sim.RGScope())
	ck := te.login()
	rec := te.page(http.MethodGet, "/resource-group", nil, ck, false)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("status %d, want 403", rec.Code)
	}
	hint := parseHTML(t, rec).Find(`[data-testid="alert-hint"]`).Text()
	if !strings.Contains(hint, "Reader") || !strings.Contains(hint, "az role assignment create") {
		t.Fatalf("page hint %q does not name the role to grant", hint)
	}
}
