package azuresim

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func TestSim_StorageAccounts(t *testing.T) {
	s := New(WithClock(fixedClock), WithAccounts(
		Account{Name: "msidashdemo", BlobEndpoint: "http://127.0.0.1:10000/msidashdemo"},
		Account{Name: "second"},
	))
	token := mustToken(t, s, armRes)
	rec := do(t, s, http.MethodGet, rgURL(DefaultResourceGroup)+"/providers/Microsoft.Storage/storageAccounts?api-version=2024-01-01", bearer(token), "")
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var list armList[armStorageAccount]
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		givenIndex int
		expectName string
		expectBlob string
	}{
		{name: "explicit blob endpoint gets ARM's trailing slash", givenIndex: 0, expectName: "msidashdemo", expectBlob: "http://127.0.0.1:10000/msidashdemo/"},
		{name: "default blob endpoint", givenIndex: 1, expectName: "second", expectBlob: "https://second.blob.core.windows.net/"},
	}
	if len(list.Value) != len(tests) {
		t.Fatalf("%d accounts, want %d", len(list.Value), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := list.Value[tt.givenIndex]
			if a.Name != tt.expectName || a.Properties.PrimaryEndpoints.Blob != tt.expectBlob {
				t.Errorf("name %q blob %q", a.Name, a.Properties.PrimaryEndpoints.Blob)
			}
			if a.ID != s.AccountScope(tt.expectName) || a.Kind != "StorageV2" || a.SKU != (armSKU{"Standard_LRS", "Standard"}) || a.Location != DefaultLocation {
				t.Errorf("unexpected account %+v", a)
			}
		})
	}
}

func TestSim_StorageAccount(t *testing.T) {
	s := New(WithClock(fixedClock))
	token := mustToken(t, s, armRes)
	tests := []struct {
		name          string
		givenAccount  string
		expectStatus  int
		expectCode    string
		expectMessage string
	}{
		{name: "found", givenAccount: DefaultAccount, expectStatus: 200},
		{name: "name is case-insensitive", givenAccount: "MsiDashDemo", expectStatus: 200},
		{name: "missing", givenAccount: "nosuch", expectStatus: 404, expectCode: "ResourceNotFound",
			expectMessage: "The Resource 'Microsoft.Storage/storageAccounts/nosuch' under resource group 'msidash-demo' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, s, http.MethodGet, accountURL(tt.givenAccount)+"?api-version=2024-01-01", bearer(token), "")
			if rec.Code != tt.expectStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.expectStatus, rec.Body)
			}
			if tt.expectCode != "" {
				if code, msg := armCode(t, rec); code != tt.expectCode || msg != tt.expectMessage {
					t.Errorf("got %s %q", code, msg)
				}
				return
			}
			var a armStorageAccount
			if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || a.Name != DefaultAccount {
				t.Errorf("account %+v, err %v", a, err)
			}
		})
	}
}

func TestSim_ListKeysAndRotate(t *testing.T) {
	clk := newClock()
	s := New(WithClock(clk.Now))
	token := mustToken(t, s, armRes)
	listKeys := func() armKeys {
		t.Helper()
		rec := do(t, s, http.MethodPost, accountURL(DefaultAccount)+"/listKeys?api-version=2024-01-01&$expand=kerb", bearer(token), "")
		if rec.Code != 200 {
			t.Fatalf("listKeys %d: %s", rec.Code, rec.Body)
		}
		var k armKeys
		if err := json.Unmarshal(rec.Body.Bytes(), &k); err != nil {
			t.Fatal(err)
		}
		return k
	}
	before := listKeys()
	clk.Advance(time.Minute)
	rotated := s.RotateKey(DefaultAccount, "key1")
	after := listKeys()
	tests := []struct {
		name         string
		givenKeys    armKeys
		expectValues [2]string
	}{
		{name: "demo keys", givenKeys: before, expectValues: [2]string{DemoKey1, DemoKey2}},
		{name: "after rotating key1", givenKeys: after, expectValues: [2]string{rotated, DemoKey2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.givenKeys.Keys) != 2 {
				t.Fatalf("%d keys", len(tt.givenKeys.Keys))
			}
			for i, k := range tt.givenKeys.Keys {
				if k.KeyName != []string{"key1", "key2"}[i] || k.Permissions != "FULL" || k.Value != tt.expectValues[i] || k.CreationTime == "" {
					t.Errorf("key %d = %s/%s/%s", i, k.KeyName, k.Permissions, k.CreationTime)
				}
			}
		})
	}
	if rotated == DemoKey1 || after.Keys[0].CreationTime == before.Keys[0].CreationTime {
		t.Error("rotation changed neither value nor creation time")
	}
	if k1, _ := s.Keys(DefaultAccount); k1 != rotated {
		t.Error("Keys does not report the rotated key")
	}
	if s.RotateKey("nosuch", "key1") != "" || s.RotateKey(DefaultAccount, "key3") != "" {
		t.Error("RotateKey accepted an unknown account or key name")
	}
}
