package azureclient

import (
	"context"
	"strings"
	"testing"

	"github.com/msidash/msidash/azureclient/azuresim"
)

func TestValidateAccountName(t *testing.T) {
	tests := []struct {
		name        string
		givenName   string
		expectValid bool
	}{
		{name: "lower and digits", givenName: "msidash01", expectValid: true},
		{name: "3 chars", givenName: "abc", expectValid: true},
		{name: "24 chars", givenName: strings.Repeat("a", 24), expectValid: true},
		{name: "2 chars", givenName: "ab", expectValid: false},
		{name: "25 chars", givenName: strings.Repeat("a", 25), expectValid: false},
		{name: "upper case", givenName: "MsiDash", expectValid: false},
		{name: "dash", givenName: "msi-dash", expectValid: false},
		{name: "path", givenName: "../keys", expectValid: false},
		{name: "empty", givenName: "", expectValid: false},
		{name: "unicode", givenName: "msidashé", expectValid: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateAccountName(tt.givenName)
			if tt.expectValid {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			e := armAsError(t, err, KindInvalid)
			if e.Code != "InvalidAccountName" {
				t.Errorf("code = %q", e.Code)
			}
		})
	}
}

func TestARM_StorageAccounts(t *testing.T) {
	const blobURL = "http://127.0.0.1:10000/msidashdemo"
	tests := []struct {
		name        string
		givenRevoke bool
		expectKind  Kind
	}{
		{name: "lists with the blob endpoint ARM gives"},
		{name: "Reader revoked", givenRevoke: true, expectKind: KindForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := azuresim.Start(t, azuresim.WithAccounts(
				azuresim.Account{Name: "msidashdemo", BlobEndpoint: blobURL},
				azuresim.Account{Name: "msidashother"},
			))
			s := newARMStack(t, sim)
			if tt.givenRevoke {
				sim.RevokeRole(azuresim.RoleReader, sim.RGScope())
			}
			list, err := s.arm.StorageAccounts(context.Background())
			if tt.expectKind != KindUnknown {
				e := armAsError(t, err, tt.expectKind)
				if e.Role != RoleReader || e.Scope != sim.RGScope() {
					t.Errorf("role %q scope %q", e.Role, e.Scope)
				}
				if !strings.Contains(e.Message, "list the storage accounts") ||
					!strings.Contains(e.Hint, `--assignee `+azuresim.ObjectID+` --role "Reader" --scope `+sim.RGScope()) {
					t.Errorf("message %q hint %q", e.Message, e.Hint)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 {
				t.Fatalf("got %d accounts", len(list))
			}
			byName := map[string]StorageAccount{}
			for _, a := range list {
				byName[a.Name] = a
			}
			demo := byName["msidashdemo"]
			if demo.BlobEndpoint != blobURL && demo.BlobEndpoint != blobURL+"/" {
				t.Errorf("blob endpoint = %q, want ARM's %q", demo.BlobEndpoint, blobURL)
			}
			if demo.ID != sim.AccountScope("msidashdemo") || demo.Location == "" || demo.Kind == "" || demo.SKU == "" {
				t.Errorf("account = %+v", demo)
			}
			if other := byName["msidashother"]; other.BlobEndpoint == "" {
				t.Errorf("other account has no blob endpoint: %+v", other)
			}
			// Callers own the slice they get.
			list[0].Name = "changed"
			again, _ := s.arm.StorageAccounts(context.Background())
			if again[0].Name == "changed" {
				t.Error("the cached list was modified through a returned slice")
			}
		})
	}
}

func TestARM_StorageAccount(t *testing.T) {
	tests := []struct {
		name       string
		givenName  string
		expectKind Kind
		expectCode string
	}{
		{name: "found", givenName: azuresim.DefaultAccount},
		{name: "missing", givenName: "nosuchaccount", expectKind: KindNotFound},
		{name: "invalid name", givenName: "Bad_Name", expectKind: KindInvalid, expectCode: "InvalidAccountName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newARMStack(t, nil)
			acc, err := s.arm.StorageAccount(context.Background(), tt.givenName)
			if tt.expectKind == KindUnknown {
				if err != nil {
					t.Fatal(err)
				}
				if acc.Name != tt.givenName || acc.BlobEndpoint == "" {
					t.Errorf("account = %+v", acc)
				}
				return
			}
			e := armAsError(t, err, tt.expectKind)
			if tt.expectCode != "" && e.Code != tt.expectCode {
				t.Errorf("code = %q", e.Code)
			}
			if tt.expectKind == KindNotFound && !strings.Contains(e.Message, `"`+tt.givenName+`"`) {
				t.Errorf("message %q does not name the account", e.Message)
			}
			if tt.expectKind == KindInvalid && s.sim.Calls(azuresim.ARMPath) != 0 {
				t.Error("an invalid name reached ARM")
			}
		})
	}
}
