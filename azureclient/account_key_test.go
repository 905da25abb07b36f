package azureclient

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"

	"github.com/msidash/msidash/azureclient/azuresim"
	"github.com/msidash/msidash/azureclient/secrets/secrettest"
)

func TestMaskKey(t *testing.T) {
	tests := []struct {
		name       string
		givenKey   string
		expectMask string
	}{
		{name: "storage key", givenKey: azuresim.DemoKey1, expectMask: azuresim.DemoKey1[:4] + "…" + azuresim.DemoKey1[len(azuresim.DemoKey1)-4:]},
		{name: "16 chars", givenKey: "abcdefghijklmnop", expectMask: "abcd…mnop"},
		{name: "too short to show anything", givenKey: "abcdefgh", expectMask: "…"},
		{name: "empty", givenKey: "", expectMask: "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := maskKey(tt.givenKey); got != tt.expectMask {
				t.Errorf("maskKey = %q, want %q", got, tt.expectMask)
			}
		})
	}
}

func TestARM_ListKeys(t *testing.T) {
	tests := []struct {
		name         string
		givenAccount string
		givenRevoke  bool
		givenGrant   string // a role granted on the resource group first
		expectKind   Kind
		expectInMsg  []string
		expectInHint []string
	}{
		{name: "masked keys", givenAccount: azuresim.DefaultAccount},
		{
			name: "key operator role revoked", givenAccount: azuresim.DefaultAccount, givenRevoke: true,
			expectKind:  KindForbidden,
			expectInMsg: []string{"read the keys of storage account " + azuresim.DefaultAccount, RoleKeyOperator},
			expectInHint: []string{
				`az role assignment create --assignee ` + azuresim.ObjectID + ` --role "` + RoleKeyOperator + `" --scope /subscriptions/` +
					azuresim.DefaultSubscriptionID + `/resourceGroups/` + azuresim.DefaultResourceGroup + `/providers/Microsoft.Storage/storageAccounts/` + azuresim.DefaultAccount,
				actionListKeys, "minutes",
			},
		},
		{
			// ARM checks access before existence: only with a role on the
			// group (as Contributor) does a missing account answer 404.
			name: "account missing", givenAccount: "nosuchaccount", givenGrant: azuresim.RoleContributor,
			expectKind: KindNotFound, expectInMsg: []string{`"nosuchaccount"`, azuresim.DefaultResourceGroup},
		},
		{name: "invalid name", givenAccount: "No-Such", expectKind: KindInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newARMStack(t, nil)
			if tt.givenRevoke {
				s.sim.RevokeRole(azuresim.RoleKeyOperator, s.sim.AccountScope(tt.givenAccount))
			}
			if tt.givenGrant != "" {
				s.sim.GrantRole(tt.givenGrant, s.sim.RGScope())
			}
			keys, err := s.arm.ListKeys(context.Background(), tt.givenAccount)
			k1, k2 := s.sim.Keys(azuresim.DefaultAccount)
			secrettest.AssertNone(t, "log", s.logs.String(), k1, k2)
			if err != nil {
				secrettest.AssertNone(t, "error", err.Error()+fmt.Sprintf("%+v", err), k1, k2)
			}
			if tt.expectKind != KindUnknown {
				e := armAsError(t, err, tt.expectKind)
				for _, want := range tt.expectInMsg {
					if !strings.Contains(e.Message, want) {
						t.Errorf("message %q lacks %q", e.Message, want)
					}
				}
				for _, want := range tt.expectInHint {
					if !strings.Contains(e.Hint, want) {
						t.Errorf("hint %q lacks %q", e.Hint, want)
					}
				}
				if tt.givenRevoke && (e.Role != RoleKeyOperator || e.Scope != s.sim.AccountScope(tt.givenAccount)) {
					t.Errorf("role %q scope %q", e.Role, e.Scope)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != 2 {
				t.Fatalf("got %d keys", len(keys))
			}
			secrettest.AssertNone(t, "returned keys", fmt.Sprintf("%+v", keys), k1, k2)
			want := map[string]string{"key1": maskKey(k1), "key2": maskKey(k2)}
			for _, k := range keys {
				if k.Masked != want[k.Name] {
					t.Errorf("%s masked = %q, want %q", k.Name, k.Masked, want[k.Name])
				}
				if k.Permissions != "FULL" || k.Created.IsZero() {
					t.Errorf("%s: permissions %q created %v", k.Name, k.Permissions, k.Created)
				}
			}
		})
	}
}

func TestARM_ListKeysCachedOneCall(t *testing.T) {
	s := newARMStack(t, nil)
	ctx := context.Background()
	for range 3 {
		if _, err := s.arm.ListKeys(ctx, azuresim.DefaultAccount); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.sim.Calls(azuresim.ListKeysPath); got != 1 {
		t.Errorf("listKeys calls = %d, want 1", got)
	}
}

func TestARM_ListKeysRegistersWithRedactor(t *testing.T) {
	s := newARMStack(t, nil)
	if _, err := s.arm.ListKeys(context.Background(), azuresim.DefaultAccount); err != nil {
		t.Fatal(err)
	}
	k1, k2 := s.sim.Keys(azuresim.DefaultAccount)
	for _, k := range []string{k1, k2} {
		if got := s.arm.redactor.Redact("x " + k + " y"); strings.Contains(got, k[10:30]) {
			t.Errorf("key not registered with the redactor: %q", got)
		}
	}
}

// armSignature signs a fixed account SAS with cred: equal signatures mean
// equal keys, without reading the key out of the credential.
func armSignature(t *testing.T, cred *azblob.SharedKeyCredential) string {
	t.Helper()
	qp, err := sas.AccountSignatureValues{
		Protocol:      sas.ProtocolHTTPS,
		ExpiryTime:    time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
		Permissions:   "r",
		ResourceTypes: "s",
	}.SignWithSharedKey(cred)
	if err != nil {
		t.Fatal(err)
	}
	return qp.Signature()
}

func TestARM_SharedKey(t *testing.T) {
	const blobURL = "http://127.0.0.1:10000/msidashdemo"
	sim := azuresim.Start(t, azuresim.WithAccounts(azuresim.Account{Name: azuresim.DefaultAccount, BlobEndpoint: blobURL}))
	s := newARMStack(t, sim)
	ctx := context.Background()

	endpoint, cred, err := s.arm.sharedKey(ctx, azuresim.DefaultAccount)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSuffix(endpoint, "/") != blobURL {
		t.Errorf("endpoint = %q, want ARM's %q", endpoint, blobURL)
	}
	if cred.AccountName() != azuresim.DefaultAccount {
		t.Errorf("account = %q", cred.AccountName())
	}
	k1, _ := sim.Keys(azuresim.DefaultAccount)
	want, _ := azblob.NewSharedKeyCredential(azuresim.DefaultAccount, k1)
	if armSignature(t, cred) != armSignature(t, want) {
		t.Error("credential is not signed with key1")
	}

	// Rotation: the cached key stays until forgetKeys, then the new one is used.
	newKey := sim.RotateKey(azuresim.DefaultAccount, "key1")
	_, cred, _ = s.arm.sharedKey(ctx, azuresim.DefaultAccount)
	if armSignature(t, cred) != armSignature(t, want) {
		t.Error("cached key was not used before forgetKeys")
	}
	s.arm.forgetKeys(azuresim.DefaultAccount)
	_, cred, err = s.arm.sharedKey(ctx, azuresim.DefaultAccount)
	if err != nil {
		t.Fatal(err)
	}
	rotated, _ := azblob.NewSharedKeyCredential(azuresim.DefaultAccount, newKey)
	if armSignature(t, cred) != armSignature(t, rotated) {
		t.Error("forgetKeys did not lead to the rotated key")
	}
	if got := sim.Calls(azuresim.ListKeysPath); got != 2 {
		t.Errorf("listKeys calls = %d, want 2", got)
	}
	secrettest.AssertNone(t, "log", s.logs.String(), k1, newKey)
}

func TestARM_SharedKeyErrors(t *testing.T) {
	tests := []struct {
		name       string
		givenSetup func(*azuresim.Sim)
		givenName  string
		expectKind Kind
	}{
		{name: "account missing", givenName: "nosuchaccount", expectKind: KindNotFound},
		{name: "key operator revoked", givenName: azuresim.DefaultAccount, expectKind: KindForbidden,
			givenSetup: func(s *azuresim.Sim) { s.RevokeRole(azuresim.RoleKeyOperator, s.AccountScope(azuresim.DefaultAccount)) }},
		{name: "Reader revoked", givenName: azuresim.DefaultAccount, expectKind: KindForbidden,
			givenSetup: func(s *azuresim.Sim) { s.RevokeRole(azuresim.RoleReader, s.RGScope()) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newARMStack(t, nil)
			if tt.givenSetup != nil {
				tt.givenSetup(s.sim)
			}
			_, cred, err := s.arm.sharedKey(context.Background(), tt.givenName)
			armAsError(t, err, tt.expectKind)
			if cred != nil {
				t.Error("credential returned with an error")
			}
		})
	}
}
