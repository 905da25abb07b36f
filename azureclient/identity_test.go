package azureclient

import "testing"

func TestIdentity_Params(t *testing.T) {
	tests := []struct {
		name        string
		given       Identity
		expectName  string
		expectValue string
		expectKind  string
	}{
		{name: "client id", given: ClientID("c"), expectName: "client_id", expectValue: "c", expectKind: "client_id"},
		{name: "object id", given: ObjectID("o"), expectName: "object_id", expectValue: "o", expectKind: "object_id"},
		{name: "resource id", given: ResourceID("/r"), expectName: "msi_res_id", expectValue: "/r", expectKind: "msi_res_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, value := tt.given.identityParam()
			if name != tt.expectName || value != tt.expectValue || identityKind(tt.given) != tt.expectKind {
				t.Errorf("identityParam = %q, %q (kind %q)", name, value, identityKind(tt.given))
			}
		})
	}
	if identityKind(nil) != "system" || identityKey(nil) != "system" {
		t.Error("nil must mean the system-assigned identity")
	}
}

func TestValidateIdentity(t *testing.T) {
	tests := []struct {
		name       string
		givenID    Identity
		givenMSI   bool
		expectCode string // "" = valid
	}{
		{name: "system-assigned", givenID: nil},
		{name: "client id", givenID: ClientID("c")},
		{name: "client id via the MSI extension", givenID: ClientID("c"), givenMSI: true},
		{name: "empty client id", givenID: ClientID(" "), expectCode: "InvalidIdentity"},
		{name: "empty resource id", givenID: ResourceID(""), expectCode: "InvalidIdentity"},
		{name: "object id via the MSI extension", givenID: ObjectID("o"), givenMSI: true, expectCode: "UnsupportedIdentity"},
		{name: "resource id via the MSI extension", givenID: ResourceID("/r"), givenMSI: true, expectCode: "UnsupportedIdentity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateIdentity(tt.givenID, tt.givenMSI)
			if tt.expectCode == "" {
				if err != nil {
					t.Fatalf("validateIdentity: %v", err)
				}
				return
			}
			if e := tokAssertKind(t, err, KindInvalid); e.Code != tt.expectCode {
				t.Errorf("code = %q, want %q", e.Code, tt.expectCode)
			}
		})
	}
}
